"""FastAPI/uvicorn equivalent of a simple mock chat backend, for bench/run.sh.

Same contract as the runtime's mock phase: POST /api/chat {"message"} or {"messages"} ->
{"conversationId","reply","provider","model","fallback"}; GET /healthz. Run with Debian's
python3-fastapi and python3-uvicorn:  python3 -m uvicorn fastapi_mock:app --port 18200
"""
import hashlib
import os
import uuid
from typing import List, Optional

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

ANSWERS = [
    "Hello! I am the mock model. I answer instantly and never call a real LLM.",
    "That is an interesting question. A real model would think about it; I only pretend to.",
    "Here is a deterministic answer, handy for tests and for the operator's smoke checks.",
    "I am running in mock mode. Switch model_provider to huggingface or ollama for real answers.",
    "Mock mode: same question, same answer. Ask me something else to get another one.",
]


class Message(BaseModel):
    role: str
    content: str


class ChatRequest(BaseModel):
    message: Optional[str] = None
    messages: Optional[List[Message]] = None
    conversationId: Optional[str] = None


class ChatResponse(BaseModel):
    conversationId: str
    reply: str
    provider: str
    model: str
    fallback: bool


app = FastAPI()


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


def chat(req: ChatRequest):
    if req.messages:
        text = next((m.content for m in reversed(req.messages) if m.role == "user"), "")
    elif req.message is not None:
        text = req.message
    else:
        raise HTTPException(status_code=400, detail="'message' or 'messages' is required")
    text = text.strip()
    if text.lower() == "ping":
        reply = "pong"
    else:
        reply = ANSWERS[int(hashlib.md5(text.encode()).hexdigest(), 16) % len(ANSWERS)]
    return ChatResponse(
        conversationId=req.conversationId or str(uuid.uuid4()),
        reply=reply,
        provider="mock",
        model="mock-1",
        fallback=False,
    )


async def chat_async(req: ChatRequest):
    return chat(req)


# FASTAPI_HANDLER=async serves the route from the event loop (`async def`); the default `def`
# runs each request on Starlette's thread pool, as a handler written without async does.
app.post("/api/chat", response_model=ChatResponse)(
    chat_async if os.environ.get("FASTAPI_HANDLER") == "async" else chat)
