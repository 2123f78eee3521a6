"""The contract's success envelope as typed response models.

`Ok[Data]` is `{"ok": true, "data": ...}`; `Listing[Item]` is the `data` of a list answer
(`items`, `total`, `limit`, `offset`). Routes declare their answer with `response_model`, so an
answer holds the fields its models list and nothing else: a new column (a secret, say) reaches
no client until a `...Public` model names it.
"""

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

Data = TypeVar("Data")
Item = TypeVar("Item")


class Ok(BaseModel, Generic[Data]):
    """A successful answer."""

    ok: Literal[True] = True
    data: Data


class Listing(BaseModel, Generic[Item]):
    """A page of a list."""

    items: list[Item]
    total: int
    limit: int
    offset: int


class PublicView(BaseModel):
    """A model read from a stored row's attributes (the `...Public` families)."""

    model_config = ConfigDict(from_attributes=True)


class Empty(BaseModel):
    """No data: `{}`."""
