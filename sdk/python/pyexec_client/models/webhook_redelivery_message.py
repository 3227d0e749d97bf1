from enum import StrEnum


class WebhookRedeliveryMessage(StrEnum):
    REDELIVERING = "redelivering"

    def __str__(self) -> str:
        return str(self.value)
