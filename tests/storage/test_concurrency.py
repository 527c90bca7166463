"""Several writers and several processes: reads never wait, writers queue, one leader."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import insert, select, text

from bot.storage.database import create_database_engine, migrate, reading, urgent_writes
from bot.storage.leader import try_lead
from bot.storage.schema import events


def test_reads_do_not_wait_for_a_writer_and_writers_queue(tmp_path: Path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(engine)
    holding = threading.Event()
    release = threading.Event()

    def long_writer() -> None:
        with engine.begin() as connection:
            connection.execute(insert(events).values(kind="a", data={}, created_at=1.0))
            holding.set()
            release.wait(10)

    writer = threading.Thread(target=long_writer)
    writer.start()
    assert holding.wait(10)
    # A read while the write transaction is open returns at once, without its row.
    with reading(engine) as connection:
        assert connection.scalar(select(text("count(*)")).select_from(events)) == 0
    second_done = threading.Event()

    def second_writer() -> None:
        with engine.begin() as connection:
            connection.execute(insert(events).values(kind="b", data={}, created_at=2.0))
        second_done.set()

    other = threading.Thread(target=second_writer)
    other.start()
    assert not second_done.wait(0.3)  # queued behind the first writer
    release.set()
    assert second_done.wait(10)
    writer.join()
    other.join()
    with reading(engine) as connection:
        assert list(connection.scalars(select(events.c.kind).order_by(events.c.id))) == ["a", "b"]


def test_an_urgent_writer_goes_before_routine_writers_that_came_first(tmp_path: Path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(engine)
    holding, release = threading.Event(), threading.Event()

    def write(kind: str, urgent: bool = False, hold: bool = False) -> None:
        with (urgent_writes() if urgent else contextlib.nullcontext(),
              engine.begin() as connection):
            connection.execute(insert(events).values(kind=kind, data={}, created_at=1.0))
            if hold:
                holding.set()
                release.wait(10)

    threads = [threading.Thread(target=write, args=("first",), kwargs={"hold": True})]
    threads[0].start()
    assert holding.wait(10)
    for kind in ("routine-1", "routine-2"):
        threads.append(threading.Thread(target=write, args=(kind,)))
        threads[-1].start()
    time.sleep(0.3)  # both routine writers are queued before the urgent one arrives
    threads.append(threading.Thread(target=write, args=("urgent",), kwargs={"urgent": True}))
    threads[-1].start()
    time.sleep(0.3)
    release.set()
    for thread in threads:
        thread.join(10)
    with reading(engine) as connection:
        order = list(connection.scalars(select(events.c.kind).order_by(events.c.id)))
    assert order[:2] == ["first", "urgent"]
    assert sorted(order[2:]) == ["routine-1", "routine-2"]


def test_writers_in_two_processes_lose_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    migrate(create_database_engine(url))
    script = (
        "import sys, threading\n"
        "from sqlalchemy import insert\n"
        "from bot.storage.database import create_database_engine\n"
        "from bot.storage.schema import events\n"
        "engine = create_database_engine(sys.argv[1])\n"
        "def work(n):\n"
        "    for i in range(25):\n"
        "        with engine.begin() as c:\n"
        "            c.execute(insert(events).values(kind=sys.argv[2], data={}, created_at=i))\n"
        "threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
    )
    root = Path(__file__).resolve().parents[2]
    started = time.time()
    workers = [subprocess.Popen([sys.executable, "-c", script, url, name], cwd=root)
               for name in ("p1", "p2")]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    engine = create_database_engine(url)
    with reading(engine) as connection:
        kinds = list(connection.scalars(select(events.c.kind)))
    assert sorted(set(kinds)) == ["p1", "p2"] and len(kinds) == 200, time.time() - started


_LEAD = (
    "import sys\n"
    "from bot.storage.database import create_database_engine\n"
    "from bot.storage.leader import try_lead\n"
    "print(try_lead(create_database_engine(sys.argv[1]), sys.argv[2], sys.argv[3]))\n"
)


def _leads_in_another_process(url: str, role: str, data_dir: Path) -> bool:
    root = Path(__file__).resolve().parents[2]
    answer = subprocess.run([sys.executable, "-c", _LEAD, url, role, str(data_dir)],
                            cwd=root, capture_output=True, text=True, check=True)
    return answer.stdout.strip() == "True"


def test_only_one_process_leads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    engine = create_database_engine(url)
    assert try_lead(engine, "telegram", tmp_path)
    assert not _leads_in_another_process(url, "telegram", tmp_path)
    # Another role is free.
    assert try_lead(engine, "other-role", tmp_path)


def test_only_one_process_leads_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    import uuid

    role = f"telegram-test-{uuid.uuid4().hex[:8]}"  # advisory locks span the database
    engine = create_database_engine(postgres_url)
    assert try_lead(engine, role, tmp_path)
    assert not _leads_in_another_process(postgres_url, role, tmp_path)
    assert _leads_in_another_process(postgres_url, role + "-other", tmp_path)
