// Highlight a field's provenance on the letter when its row is hovered or its ◎ clicked.
(function () {
  function marks() {
    return document.querySelectorAll('[data-fields]');
  }
  function show(field, scroll) {
    var first = null;
    marks().forEach(function (el) {
      var on = field !== null && el.dataset.fields.split(' ').indexOf(field) >= 0;
      el.classList.toggle('active', on);
      if (on && first === null) { first = el; }
    });
    if (scroll && first) { first.scrollIntoView({block: 'center', behavior: 'smooth'}); }
  }
  document.querySelectorAll('tr.field').forEach(function (row) {
    row.addEventListener('mouseenter', function () { show(row.dataset.field, false); });
    row.addEventListener('mouseleave', function () { show(null, false); });
  });
  document.querySelectorAll('button.locate').forEach(function (button) {
    button.addEventListener('click', function () { show(button.dataset.field, true); });
  });
})();
