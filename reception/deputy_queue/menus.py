"""The queue's filter menus (topics; regions with their districts) in the reader's language, kept in Redis for a
short while so that a queue page neither loads nor localises the directory on each request. Redis is shared by
every web host, so none keeps a stale copy of its own: a change to the directory shows everywhere within
MENU_SECONDS. Without Redis the menus are built each time."""

import json
import logging

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..directory.models import Region, Topic
from ..extensions import db
from ..i18n import current_language
from ..jobs.queues import get_redis

logger = logging.getLogger(__name__)

#: How long a language's menus are kept (the directory changes a few times a year).
MENU_SECONDS = 60


def filter_menus() -> dict:
    """{"topics": [[id, name]], "regions": [{"choice": [id, name], "name", "districts": [[id, name]]}]} in the current language."""
    key = f"deputy_queue:menus:{current_language()}"
    try:
        kept = get_redis().get(key)
    except RedisError as exc:
        logger.warning("queue menus built uncached: %s", exc)
        return _build()
    if kept is not None:
        return json.loads(kept)
    menus = _build()
    try:
        get_redis().set(key, json.dumps(menus, ensure_ascii=False), ex=MENU_SECONDS)
    except RedisError as exc:
        logger.warning("queue menus not kept: %s", exc)
    return menus


def _build() -> dict:
    topics = db.session.scalars(select(Topic).order_by(Topic.position))
    regions = db.session.scalars(select(Region).options(selectinload(Region.districts)).order_by(Region.code))
    return {
        "topics": [[t.id, t.name] for t in topics],
        "regions": [
            {"choice": [r.id, r.name], "name": r.name, "districts": [[d.id, d.name] for d in r.districts]}
            for r in regions
        ],
    }
