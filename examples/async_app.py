"""The same assistant, asynchronous: several questions answered concurrently."""

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


async def main() -> None:
    questions = ["What is our refund policy?", "Where is my order?"]
    for answer in await asyncio.gather(*(ask(q) for q in questions)):
        print(answer)


if __name__ == "__main__":
    asyncio.run(main())
