"""Idempotency keys below the views (the views' behaviour is tested on matter registration in
xinfang/petitions/tests/test_api_matters.py): claims, replays, conflicts, stale claims, purge."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework import exceptions

from xinfang.core.api.errors import IdempotencyConflict
from xinfang.core.api.idempotency import _claim, idempotency_purge
from xinfang.core.models import IdempotencyKey
from xinfang.core.testing import make_user

pytestmark = pytest.mark.django_db


def _age(row: IdempotencyKey, **delta: float) -> None:
    IdempotencyKey.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - datetime.timedelta(**delta), updated_at=timezone.now() - datetime.timedelta(**delta)
    )


def test_a_key_is_claimed_once_and_a_running_claim_answers_409():
    user = make_user()
    claimed = _claim(user, "k-1", "f" * 64)
    assert isinstance(claimed, IdempotencyKey) and claimed.state == IdempotencyKey.State.PENDING
    with pytest.raises(IdempotencyConflict):
        _claim(user, "k-1", "f" * 64)


def test_keys_belong_to_their_user():
    first, second = make_user(), make_user()
    _claim(first, "shared", "a" * 64)
    assert isinstance(_claim(second, "shared", "a" * 64), IdempotencyKey)


def test_a_finished_key_replays_the_stored_answer():
    user = make_user()
    row = _claim(user, "k-2", "b" * 64)
    assert isinstance(row, IdempotencyKey)
    row.state = IdempotencyKey.State.DONE
    row.response_status = 201
    row.response_body = {"id": 7}
    row.response_location = "/api/v1/matters/7/"
    row.save()
    replay = _claim(user, "k-2", "b" * 64)
    assert not isinstance(replay, IdempotencyKey)
    assert replay.status_code == 201 and replay.data == {"id": 7}
    assert replay["Idempotent-Replayed"] == "true" and replay["Location"] == "/api/v1/matters/7/"


def test_the_same_key_for_another_request_is_refused():
    user = make_user()
    _claim(user, "k-3", "c" * 64)
    with pytest.raises(exceptions.ValidationError) as refused:
        _claim(user, "k-3", "d" * 64)
    assert refused.value.get_codes() == {"Idempotency-Key": ["idempotency_key_reused"]}


def test_a_crashed_workers_claim_is_taken_over_after_the_stale_time(settings):
    user = make_user()
    row = _claim(user, "k-4", "e" * 64)
    assert isinstance(row, IdempotencyKey)
    _age(row, seconds=settings.XINFANG_API_IDEMPOTENCY_STALE_SECONDS + 5)
    taken = _claim(user, "k-4", "e" * 64)
    assert isinstance(taken, IdempotencyKey) and taken.pk == row.pk


def test_expired_keys_are_purged_and_replaced(settings):
    user = make_user()
    old = _claim(user, "old", "1" * 64)
    fresh = _claim(user, "fresh", "2" * 64)
    assert isinstance(old, IdempotencyKey) and isinstance(fresh, IdempotencyKey)
    _age(old, hours=settings.XINFANG_API_IDEMPOTENCY_HOURS + 1)
    assert idempotency_purge() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]
    _age(fresh, hours=settings.XINFANG_API_IDEMPOTENCY_HOURS + 1)
    # An expired key used again starts afresh, even with another request.
    again = _claim(user, "fresh", "3" * 64)
    assert isinstance(again, IdempotencyKey) and again.fingerprint == "3" * 64
    call_command("api_idempotency_purge")
