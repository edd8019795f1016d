"""Enums whose members carry what people read: a label, and for a lifecycle's states the label of the
button that moves a record into that state."""

import enum


class LabelledEnum(enum.Enum):
    """Members are declared `complaint = "complaint", _l("Complaint")` (with a third item, the action label, for
    states); the value is what is stored, the labels are lazy and read in the reader's language."""

    def __new__(cls, value: str, label, action_label=None):
        member = object.__new__(cls)
        member._value_ = value
        member._label = label
        member._action_label = action_label if action_label is not None else label
        return member

    @property
    def label(self) -> str:
        return str(self._label)

    @property
    def action_label(self) -> str:
        """The button that moves a record into this state."""
        return str(self._action_label)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs for a select, in declaration order."""
        return [(member.value, member.label) for member in cls]
