"""Local actions that federate: each changes models and records the outbound activity in one transaction."""
from federation.actions.follows import (
    approve_follow,
    end_follow,
    follow,
    receive_follow,
    reject_follow,
    unfollow,
)
from federation.actions.statuses import (
    ActionError,
    StatusInput,
    create_status,
    delete_status,
    edit_status,
    like,
    pin_status,
    unlike,
    unpin_status,
)

__all__ = [
    "ActionError",
    "StatusInput",
    "approve_follow",
    "create_status",
    "delete_status",
    "edit_status",
    "end_follow",
    "follow",
    "like",
    "pin_status",
    "receive_follow",
    "reject_follow",
    "unfollow",
    "unlike",
    "unpin_status",
]
