"""A small support assistant: answers, summaries, search embeddings and a streamed reply."""

import sys

from openai import OpenAI

import settings

client = OpenAI(api_key=settings.OPENAI_API_KEY)


def answer(question: str) -> str:
    response = client.chat.completions.create(
        model=settings.CHAT_MODEL,
        messages=[
            {"role": "system", "content": "You are a helpful support assistant."},
            {"role": "user", "content": question},
        ],
        temperature=0.2,
    )
    return response.choices[0].message.content


def complete(prompt: str) -> str:
    response = client.completions.create(model=settings.COMPLETION_MODEL, prompt=prompt, max_tokens=64)
    return response.choices[0].text


def embed(texts: list[str]) -> list[list[float]]:
    response = client.embeddings.create(model=settings.EMBEDDING_MODEL, input=texts)
    return [item.embedding for item in response.data]


def stream_answer(question: str) -> str:
    stream = client.chat.completions.create(
        model=settings.CHAT_MODEL,
        messages=[{"role": "user", "content": question}],
        stream=True,
    )
    parts = []
    for chunk in stream:
        delta = chunk.choices[0].delta.content
        if delta:
            parts.append(delta)
            sys.stdout.write(delta)
    return "".join(parts)


if __name__ == "__main__":
    print(answer("How do I reset my password?"))
    print(complete("Once upon a time"))
    print(len(embed(["password reset", "billing"])))
    stream_answer("Say hello.")
    print()
