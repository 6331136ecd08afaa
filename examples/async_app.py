"""The same assistant, asynchronous: several questions answered concurrently, then a streamed reply."""

import asyncio
import os

import openai

aclient = openai.AsyncOpenAI(
    api_key=os.environ.get("OPENAI_API_KEY"),
    organization=os.environ.get("OPENAI_ORG_ID"),  # billing goes to the support team
    max_retries=3,
)


async def ask(question: str) -> str:
    response = await aclient.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": question}],
    )
    return response.choices[0].message.content


async def stream_reply(question: str) -> str:
    """Print the reply as it is generated, and return it."""
    parts = []
    async for chunk in await aclient.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": question}],
        stream=True,
    ):
        delta = chunk.choices[0].delta.content or ""
        parts.append(delta)
        print(delta, end="", flush=True)
    print()
    return "".join(parts)


async def main() -> None:
    questions = ["What is our refund policy?", "Where is my order?"]
    for answer in await asyncio.gather(*(ask(q) for q in questions)):
        print(answer)
    await stream_reply("Can I change my delivery address?")


if __name__ == "__main__":
    asyncio.run(main())
