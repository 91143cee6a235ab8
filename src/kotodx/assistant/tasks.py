"""The assistant's queue work runs as core jobs (retraining the routing model, OCR of a scan); importing
the services here registers their handlers in the queue consumer."""

from kotodx.assistant import services  # noqa: F401
