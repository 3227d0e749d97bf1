from enum import StrEnum


class ExecuteAcceptedMessage(StrEnum):
    PROCESSING = "processing"

    def __str__(self) -> str:
        return str(self.value)
