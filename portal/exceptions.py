class WorkflowError(Exception):
    """A workflow step that cannot happen now (wrong state, someone else acted first, bad input).

    The message is user-facing and already translated; views show it and change nothing.
    """

    def __init__(self, message):
        super().__init__(message)
        self.message = message
