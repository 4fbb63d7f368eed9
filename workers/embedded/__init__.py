"""Embedded mode: every stage in one process over a local folder, no Kafka or S3 (``imr run``)."""

from workers.embedded.folder_run import FolderRun
from workers.embedded.pipeline import EmbeddedPipeline, Settled
from workers.embedded.scan import DroppedFile, FolderScanner
from workers.embedded.sink import DeadLetterNote, OutputSink
from workers.embedded.state import ProcessedFiles
from workers.embedded.summary import RunSummary

__all__ = [
    "DeadLetterNote",
    "DroppedFile",
    "EmbeddedPipeline",
    "FolderRun",
    "FolderScanner",
    "OutputSink",
    "ProcessedFiles",
    "RunSummary",
    "Settled",
]
