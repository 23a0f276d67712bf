"""The page numbers a pager links to, for every paged list of the app."""

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination


@dataclass(frozen=True)
class _Position:
    """What Pagination.iter_pages reads of a pagination: the page and the number of pages."""

    page: int
    pages: int


def page_numbers(page: int, pages: int) -> list[int | None]:
    """The first page, a window of two pages either side of `page`, the last page; None
    where pages are left out. Flask-SQLAlchemy's own iter_pages, also for the lists that
    page without a Pagination object: a pager has about nine links whatever the count."""
    return list(
        Pagination.iter_pages(
            _Position(page, pages),
            left_edge=1,
            left_current=2,
            right_current=2,
            right_edge=1,
        )
    )
