"""Synthetic IMR Final Determination Letters shipped with the package.

``imr run`` with no drop folder processes these. The cases, people and clinical details are
invented; only the layout follows the 2016-17 letters.
"""
