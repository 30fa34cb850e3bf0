"""The routes of a task model (``swift deploy`` of an embedding model, reranker or classifier).

Added by :func:`swiftkit.serve.server.create_app` when the engine carries a
:class:`~swiftkit.core.methods.interface.TaskPredictor` (:class:`swiftkit.infer.tasks.TaskEngine`);
the chat and completion routes then answer 400 naming the route to use. The server's rules hold
here too (API key, readiness, body limit, one slot of ``--max_concurrency`` per request, errors in
OpenAI's shape, ``model`` naming a served name or left out):

- ``POST /v1/embeddings`` -- OpenAI's request (``input``: a string or a list of strings;
  ``encoding_format`` ``float`` or ``base64``, the ``openai`` client's default: little-endian
  float32; ``dimensions``: the first N components, renormalised) and answer (``data`` of
  ``{"object": "embedding", "index", "embedding"}``, ``usage``);
- ``POST /v1/rerank`` (also ``/rerank``, ``/v2/rerank``) -- the Jina/Cohere shape vLLM serves:
  ``query``, ``documents`` (strings or ``{"text"}``), ``top_n``, ``return_documents`` ->
  ``results`` of ``{"index", "relevance_score", "document"?}``, most relevant first;
- ``POST /v1/classify`` (also ``/classify``) -- vLLM's shape: ``input`` (a string or a list) ->
  ``data`` of ``{"index", "label", "probs", "num_classes"}``.

Inputs are plain texts, each one user message rendered by the model's template as in training;
over-long ones keep their first ``--max_length`` tokens. Predictions run in a worker thread, one
request at a time (the model is not shared between threads).
"""

import asyncio
import base64
import struct
import time
import uuid
from typing import Any

from swiftkit.serve.limits import clip


def _models() -> Any:
    """The request bodies (pydantic; built when the routes are added, as FastAPI is imported)."""
    from pydantic import BaseModel, ConfigDict, Field

    class _Body(BaseModel):
        model_config = ConfigDict(extra="forbid")
        model: str | None = None
        user: str | None = None

    class EmbeddingRequest(_Body):
        input: str | list[str] | list[int] | list[list[int]]
        encoding_format: str = "float"
        dimensions: int | None = Field(None, ge=1)

    class Document(BaseModel):
        model_config = ConfigDict(extra="allow")
        text: str

    class RerankRequest(_Body):
        query: str
        documents: list[str | Document] = Field(..., min_length=1)
        top_n: int | None = Field(None, ge=1)
        return_documents: bool = True

    class ClassifyRequest(_Body):
        input: str | list[str]

    return EmbeddingRequest, RerankRequest, ClassifyRequest


def _texts(value: Any, param: str, OpenAIError: Any) -> list[str]:  # noqa: N803 - the server's error class
    if isinstance(value, str):
        value = [value]
    if not value or not all(isinstance(v, str) for v in value):
        raise OpenAIError(400, f"'{param}' must be a non-empty string or list of strings (token ids are not accepted)",
                          param=param, code="invalid_value")
    for i, text in enumerate(value):
        if not text.strip():
            raise OpenAIError(400, f"'{param}[{i}]' is empty", param=param, code="invalid_value")
    return value


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def _base64(vector: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


def add_task_routes(app: Any, settings: Any, gauge: Any, engine: Any, error: Any) -> None:
    """Add the task routes for ``engine.predictor`` (see the module docstring). ``settings``
    and ``gauge`` are the server's (served names, request slots); ``error`` its ``OpenAIError``
    class (passed in: this module does not import the server, which imports it)."""
    OpenAIError = error  # noqa: N806 - a class

    EmbeddingRequest, RerankRequest, ClassifyRequest = _models()  # noqa: N806 - classes
    predictor, tokenizer = engine.predictor, engine.tokenizer
    lock = asyncio.Lock()

    def tokens(texts: list[str]) -> int:
        if tokenizer is None:
            return 0
        return sum(len(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts)

    async def run(name: str | None, work: Any) -> tuple[str, Any]:
        served = settings.model_name(settings.pick_adapter(name))  # 404 for a name not served
        slot = gauge.acquire(1)
        try:
            async with lock:
                return served, await asyncio.to_thread(work)
        except (NotImplementedError, ValueError) as exc:  # the task cannot answer this route, a bad input
            raise OpenAIError(400, clip(str(exc) or type(exc).__name__, 1000), code="invalid_request") from None
        finally:
            slot.release()

    @app.post("/v1/embeddings")
    async def embeddings(body: EmbeddingRequest) -> dict[str, Any]:
        texts = _texts(body.input, "input", OpenAIError)
        if body.encoding_format not in ("float", "base64"):
            raise OpenAIError(400, f"encoding_format {clip(body.encoding_format)!r}: use 'float' or 'base64'",
                              param="encoding_format", code="invalid_value")
        served, (vectors, used) = await run(body.model, lambda: (
            predictor.embed([_user(t) for t in texts], dimensions=body.dimensions), tokens(texts)))
        if body.dimensions is not None and vectors and len(vectors[0]) < body.dimensions:
            raise OpenAIError(400, f"dimensions {body.dimensions} is more than the model's {len(vectors[0])}",
                              param="dimensions", code="invalid_value")
        encode = _base64 if body.encoding_format == "base64" else (lambda v: v)
        return {"object": "list", "model": served,
                "data": [{"object": "embedding", "index": i, "embedding": encode(v)} for i, v in enumerate(vectors)],
                "usage": {"prompt_tokens": used, "total_tokens": used}}

    async def rerank(body: RerankRequest) -> dict[str, Any]:
        docs = [d if isinstance(d, str) else d.text for d in body.documents]
        _texts(docs, "documents", OpenAIError)
        _texts(body.query, "query", OpenAIError)
        served, (scores, used) = await run(body.model, lambda: (
            predictor.score(_user(body.query), [_user(d) for d in docs]), tokens([body.query, *docs])))
        order = sorted(range(len(docs)), key=lambda i: -scores[i])[: body.top_n or len(docs)]
        results = []
        for i in order:
            item: dict[str, Any] = {"index": i, "relevance_score": float(scores[i])}
            if body.return_documents:
                item["document"] = {"text": docs[i]}
            results.append(item)
        return {"id": f"rerank-{uuid.uuid4().hex}", "model": served, "results": results,
                "usage": {"total_tokens": used}}

    for path in ("/v1/rerank", "/rerank", "/v2/rerank"):
        app.post(path)(rerank)

    async def classify(body: ClassifyRequest) -> dict[str, Any]:
        texts = _texts(body.input, "input", OpenAIError)
        served, (found, used) = await run(body.model, lambda: (predictor.classify([_user(t) for t in texts]), tokens(texts)))
        return {"id": f"classify-{uuid.uuid4().hex}", "object": "list", "created": int(time.time()), "model": served,
                "data": [{"index": i, "label": r["label"], "probs": r.get("probs", []), "num_classes": len(r.get("probs", []))}
                         for i, r in enumerate(found)],
                "usage": {"prompt_tokens": used, "total_tokens": used}}

    for path in ("/v1/classify", "/classify"):
        app.post(path)(classify)
