"""The outgoing register: every letter of a branch and year gets the next number, with no gap and no duplicate,
even when twenty letters are issued at the same moment, each in its own transaction on its own connection."""

import threading

from factories import branch, make_account, make_citizen, make_registration
from sqlalchemy import select
from support import make_config

from reception import create_app
from reception.accounts.models import Role, User
from reception.appeals.models import Appeal, AppealState
from reception.extensions import db
from reception.letters import operations as letter_ops
from reception.letters.models import LetterKind, OutgoingLetter

PARALLEL = 20


def test_twenty_letters_issued_at_once_are_numbered_1_to_20(app, database_url, redis_url):
    with app.app_context():
        make_account(Role.branch_head, "head@test.kz", full_name="Жумабаев Ерлан", branch_code="ALM-03")
        citizen = make_citizen()
        ids = [
            make_registration(citizen=citizen, summary=f"Вопрос {n}", state=AppealState.in_progress).appeal.id
            for n in range(PARALLEL)
        ]
    # The same database through an application whose pool holds a connection for every thread at once.
    wide = create_app(
        make_config(
            database_url,
            redis_url,
            SQLALCHEMY_ENGINE_OPTIONS={"pool_size": PARALLEL + 2, "max_overflow": 0, "hide_parameters": True},
        )
    )
    errors = []
    barrier = threading.Barrier(PARALLEL)

    def issue(appeal_id: int):
        # Each thread has its own application context, so its own session and connection.
        with wide.app_context():
            try:
                appeal = db.session.get(Appeal, appeal_id)
                head = db.session.scalar(select(User).where(User.email == "head@test.kz"))
                barrier.wait(30)
                letter_ops.issue_letter(appeal, LetterKind.answer, event=None, user=head, comment="Решено.")
                db.session.commit()
            except Exception as exc:
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issue, args=(appeal_id,)) for appeal_id in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    with wide.app_context():
        db.engine.dispose()
    assert errors == []
    with app.app_context():
        rows = db.session.execute(select(OutgoingLetter.sequence, OutgoingLetter.number)).all()
        code = branch("ALM-03").code
    assert sorted(sequence for sequence, _number in rows) == list(range(1, PARALLEL + 1))
    assert len({number for _sequence, number in rows}) == PARALLEL
    assert all(number.startswith(f"{code}/") and number.endswith(f"-{sequence:06d}") for sequence, number in rows)


def test_a_rolled_back_letter_leaves_no_gap_and_branches_count_apart(ctx):
    head = make_account(Role.branch_head, "head@test.kz", full_name="Жумабаев Ерлан", branch_code="ALM-03")
    citizen = make_citizen()
    here = make_registration(citizen=citizen, state=AppealState.in_progress).appeal
    there = make_registration(citizen=citizen, branch_code="AST-01", state=AppealState.in_progress).appeal
    letter_ops.issue_letter(here, LetterKind.answer, event=None, user=head, comment="Первое.")
    db.session.rollback()
    first = letter_ops.issue_letter(here, LetterKind.answer, event=None, user=head, comment="Первое.")
    second = letter_ops.issue_letter(here, LetterKind.answer, event=None, user=head, comment="Второе.")
    elsewhere = letter_ops.issue_letter(there, LetterKind.answer, event=None, user=head, comment="Там.")
    db.session.commit()
    assert (first.sequence, second.sequence, elsewhere.sequence) == (1, 2, 1)
    assert first.number.startswith("ALM-03/") and elsewhere.number.startswith("AST-01/")
