"""Background work of the backend process: start-up tasks and, later, workers."""
