"""A slow answer must not stall the others: the chat service's answer pool and command thread,
the assistant's model slots and its shared/exclusive lock, the ALLIANCES_ANSWER_WORKERS setting.

No timing thresholds: slow answers are held on a threading.Event, and each test asserts what
completes while they are held, then releases them. Timeouts only stop a broken build from
hanging."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from standins.servers import USER, FakeAssistant

from bot.assistant import Assistant
from bot.chat import AnswerReply, ChatRequest, ChatService, Conversation, NoticeReply
from bot.concurrency import (
    DEFAULT_ANSWER_WORKERS,
    AnswerWorkersSettingError,
    ModelSlots,
    SharedExclusiveLock,
    model_slots_for,
    parse_answer_workers,
)
from bot.projects import install_project_commands
from bot.rate_limit import RateLimiter
from bot.state import State
from retrieval.llm_answerer import LLM_BUSY, MODEL_ABSTAINED, RATE_LIMITED, LLMAnswerer
from retrieval.llm_prompt import NOT_FOUND

WAIT_S = 60.0  # only for a broken build: nothing here waits this long when it works
SLOW_WORD = "lente"
MAURICIE = "Quel organisme est mandataire de l'Alliance pour la solidarité en Mauricie ?"
FQIS = "Quel est le montant du FQIS pour les cinq années du PSIS ?"


# --- the chat service -----------------------------------------------------------------------


@dataclass
class GatedAssistant(FakeAssistant):
    """Questions with "lente" in them wait for `slow_gate`; the others are answered at once."""

    slow_gate: threading.Event = field(default_factory=threading.Event)
    slow_started: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))

    def ask(self, question: str, **options: Any) -> Any:
        if SLOW_WORD in question:
            self.slow_started.release()
            assert self.slow_gate.wait(WAIT_S), "the test never released the slow answer"
        return super().ask(question, **options)


def request(text: str, channel: str, thread: str | None = None, **options: Any) -> ChatRequest:
    return ChatRequest(
        text=text, user_id=USER, conversation=Conversation("slack", channel, thread), **options
    )


def service(tmp_path: Path, assistant: GatedAssistant, workers: int) -> ChatService:
    chat = ChatService(
        State(tmp_path / "state.db"),
        lambda: assistant,
        warm_up_question=None,
        answer_workers=workers,
    )
    settings = SimpleNamespace(home=tmp_path, editors=(), editor_groups=())
    install_project_commands(chat, settings)
    return chat


async def started_slow(assistant: GatedAssistant, count: int = 1) -> None:
    for _ in range(count):
        assert await asyncio.to_thread(assistant.slow_started.acquire, timeout=WAIT_S)


async def within(awaitable: Any) -> Any:
    return await asyncio.wait_for(awaitable, WAIT_S)


async def until(condition: Any) -> None:
    for _ in range(int(WAIT_S * 100)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never became true")


def test_a_fast_question_and_commands_are_answered_while_a_slow_answer_is_held(
    tmp_path: Path,
) -> None:
    assistant = GatedAssistant()
    chat = service(tmp_path, assistant, workers=2)

    async def scenario() -> None:
        assert await chat.wait_ready(WAIT_S)
        slow_question = request(f"Question {SLOW_WORD} : Mauricie ?", "C1")
        slow = asyncio.ensure_future(chat.handle(slow_question))
        await started_slow(assistant)
        fast = await within(chat.handle(request("Qui est le mandataire en Estrie ?", "C2")))
        assert isinstance(fast, AnswerReply) and "Estrie" in fast.answer.text
        listed = await within(chat.handle(request("projet liste", "C3", private=True)))
        assert "projet" in listed.fallback_text().lower()
        shown = await within(chat.run_blocking(sum, [1, 2, 3]))
        assert shown == 6
        assert not slow.done()  # all of the above happened while the slow answer was held
        assistant.slow_gate.set()
        reply = await within(slow)
        assert isinstance(reply, AnswerReply) and "Mauricie" in reply.answer.text
        await chat.drain()

    asyncio.run(scenario())


def test_when_every_worker_is_held_questions_queue_and_commands_still_run(
    tmp_path: Path,
) -> None:
    assistant = GatedAssistant()
    chat = service(tmp_path, assistant, workers=2)

    async def scenario() -> None:
        assert await chat.wait_ready(WAIT_S)
        held = [
            asyncio.ensure_future(chat.handle(request(f"{SLOW_WORD} {n} Mauricie ?", f"C{n}")))
            for n in range(2)
        ]
        await started_slow(assistant, 2)
        queued = asyncio.ensure_future(chat.handle(request("Et en Estrie ?", "C9")))
        helped = await within(chat.handle(request("aide", "C8")))
        assert isinstance(helped, NoticeReply) and helped.kind == "help"
        assert not queued.done()
        assert all(call["question"] != "Et en Estrie ?" for call in assistant.calls)
        assistant.slow_gate.set()
        assert isinstance(await within(queued), AnswerReply)
        assert all(isinstance(reply, AnswerReply) for reply in await within(asyncio.gather(*held)))
        await chat.drain()

    asyncio.run(scenario())


def test_questions_of_one_conversation_are_answered_in_order(tmp_path: Path) -> None:
    assistant = GatedAssistant()
    chat = service(tmp_path, assistant, workers=2)

    async def scenario() -> None:
        assert await chat.wait_ready(WAIT_S)
        first = asyncio.ensure_future(
            chat.handle(request(f"Qui est le mandataire ({SLOW_WORD}) en Mauricie ?", "C1", "7.7"))
        )
        await started_slow(assistant)
        follow_up = asyncio.ensure_future(chat.handle(request("et en Estrie ?", "C1", "7.7")))
        # The follow-up waits for its turn; were it given the free worker instead, the
        # question from elsewhere would only be answered after it.
        await until(lambda: chat._conversations[("slack", "C1", "7.7")][1] == 2)
        elsewhere = await within(chat.handle(request("Qui est le mandataire en Estrie ?", "C2")))
        assert isinstance(elsewhere, AnswerReply)
        assert not follow_up.done()
        assert all(call["question"] != "et en Estrie ?" for call in assistant.calls)
        assistant.slow_gate.set()
        await within(first)
        reply = await within(follow_up)
        assert isinstance(reply, AnswerReply) and "Estrie" in reply.answer.text
        asked = next(call for call in assistant.calls if call["question"] == "et en Estrie ?")
        assert [turn.role for turn in asked["history"]] == ["user", "assistant"]
        assert SLOW_WORD in asked["history"][0].text  # it saw the turn before it
        await chat.drain()

    asyncio.run(scenario())


def test_the_service_sizes_the_model_slots_from_its_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The environment says 9 workers, the service is given 3: the slots follow the service,
    # so that one of its 3 workers is always free for answers without the model.
    monkeypatch.setenv("ALLIANCES_ANSWER_WORKERS", "9")
    assistant = GatedAssistant()
    assistant.model_slots = ModelSlots.from_environment()  # type: ignore[attr-defined]
    assert assistant.model_slots.size == 8  # type: ignore[attr-defined]
    chat = service(tmp_path, assistant, workers=3)

    async def scenario() -> None:
        assert await chat.wait_ready(WAIT_S)
        await chat.drain()

    asyncio.run(scenario())
    slots = assistant.model_slots  # type: ignore[attr-defined]
    assert slots.size == 2
    assert [slots.try_acquire() for _ in range(3)] == [True, True, False]


def test_a_malformed_worker_setting_stops_the_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLIANCES_ANSWER_WORKERS", "beaucoup")
    with pytest.raises(AnswerWorkersSettingError, match="ALLIANCES_ANSWER_WORKERS"):
        ChatService(State(tmp_path / "state.db"), FakeAssistant)
    monkeypatch.setenv("ALLIANCES_ANSWER_WORKERS", "6")
    chat = ChatService(State(tmp_path / "state2.db"), FakeAssistant)
    assert chat.answer_workers == 6


# --- the assistant: model slots and no lock around the model ---------------------------------


class GatedModel(GenericFakeChatModel):
    """A fake chat model that waits for `gate` before it writes."""

    gate: Any = None
    started: Any = None

    def _stream(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Iterator[Any]:
        self.started.set()
        assert self.gate.wait(WAIT_S), "the test never released the model"
        yield from super()._stream(messages, *args, **kwargs)


def test_the_model_call_holds_a_slot_but_no_lock(assistant) -> None:
    gate, started = threading.Event(), threading.Event()
    model = GatedModel(
        messages=iter([AIMessage(NOT_FOUND) for _ in range(3)]), gate=gate, started=started
    )
    llm = LLMAnswerer(model=model, extractive=assistant.answerer, model_label="fake")
    asker = Assistant(assistant.index, llm, rate_limiter=RateLimiter(1, 600))
    asker.model_slots = ModelSlots(1)
    with ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(asker.ask, MAURICIE, user="slack:U1")
        if not started.wait(WAIT_S):
            slow.result(0)  # raises what stopped it, if anything did
            pytest.fail("the model was never called")
        # While the model writes: searching works (no lock held) and a question the model
        # would write gets the extractive answer at once (the only slot is taken).
        assert asker.search("mandataire Mauricie").hits
        busy = asker.ask(FQIS, user="slack:U2")
        assert busy.answerer == "extractive" and not busy.abstained
        assert llm.stats.snapshot()[LLM_BUSY] == 1
        assert not slow.done()
        gate.set()
        assert "Consortium" in slow.result(WAIT_S).text
    # The slot is free again, and the busy answer did not spend U2's quota of one.
    asker.ask(FQIS, user="slack:U2")
    counts = llm.stats.snapshot()
    assert counts[MODEL_ABSTAINED] == 2 and counts.get(RATE_LIMITED, 0) == 0
    asker.ask(FQIS, user="slack:U2")  # now the quota is spent
    assert llm.stats.snapshot()[RATE_LIMITED] == 1


def test_a_failing_model_call_frees_its_slot(assistant) -> None:
    class Broken(GenericFakeChatModel):
        def _stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
            raise ConnectionError("connection refused")
            yield  # pragma: no cover

    llm = LLMAnswerer(model=Broken(messages=iter([])), extractive=assistant.answerer)
    asker = Assistant(assistant.index, llm)
    asker.model_slots = ModelSlots(1)
    for _ in range(2):
        assert asker.ask(MAURICIE).answerer == "extractive"
    assert asker.model_slots.try_acquire()  # both calls gave their slot back


# --- the shared/exclusive lock -----------------------------------------------------------------


def wait_until(condition: Any) -> None:
    done = threading.Event()
    for _ in range(int(WAIT_S * 100)):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("condition never became true")


def test_exclusive_waits_for_shared_holders_and_goes_before_new_ones() -> None:
    lock = SharedExclusiveLock()
    order: list[str] = []
    reader_in, release_reader = threading.Event(), threading.Event()

    def reader() -> None:
        with lock.shared():
            reader_in.set()
            release_reader.wait(WAIT_S)
            order.append("first reader out")

    def writer() -> None:
        with lock:
            order.append("writer")

    def late_reader() -> None:
        with lock.shared():
            order.append("late reader")

    threads = [threading.Thread(target=reader)]
    threads[0].start()
    assert reader_in.wait(WAIT_S)
    threads.append(threading.Thread(target=writer))
    threads[1].start()
    wait_until(lambda: lock._writers_waiting == 1)
    threads.append(threading.Thread(target=late_reader))
    threads[2].start()
    wait_until(lambda: len(lock._condition._waiters) == 2)  # type: ignore[attr-defined]
    assert order == []
    release_reader.set()
    for thread in threads:
        thread.join(WAIT_S)
    assert order == ["first reader out", "writer", "late reader"]


def test_exclusive_is_reentrant_and_an_upgrade_is_refused() -> None:
    lock = SharedExclusiveLock()
    with lock, lock, lock.shared():
        pass
    with lock.shared(), lock.shared(), pytest.raises(RuntimeError):
        lock.acquire()
    with lock:  # everything was released
        pass


# --- the setting -------------------------------------------------------------------------------


@given(st.integers(min_value=1, max_value=64), st.sampled_from(["", " ", "\t"]))
def test_valid_worker_counts_are_read(count: int, padding: str) -> None:
    assert parse_answer_workers(f"{padding}{count}{padding}") == count
    assert 1 <= model_slots_for(count) <= count


def is_valid(text: str) -> bool:
    stripped = text.strip()
    return stripped.isascii() and stripped.isdigit() and 1 <= int(stripped) <= 64


@given(st.text().filter(lambda text: not is_valid(text)))
def test_anything_else_is_refused_in_french_or_defaults(text: str) -> None:
    if not text.strip():
        assert parse_answer_workers(text) == DEFAULT_ANSWER_WORKERS
        return
    with pytest.raises(AnswerWorkersSettingError, match="un entier de 1 à 64"):
        parse_answer_workers(text)
