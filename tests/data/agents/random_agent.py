#!/usr/bin/env python3
"""Test agent: acts uniformly at random (interactive), stepping its whole
training budget at random first; predicts zeros on supervised tasks."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "python"))
import numpy as np  # noqa: E402
from hourglass_agent import Agent, serve  # noqa: E402


class RandomAgent(Agent):
    def __init__(self, hello):
        super().__init__(hello)
        self.rng = np.random.default_rng(hello.seeds[0] % (2 ** 63))

    def train(self, session):
        t = self.hello.task
        if t["kind"] != "interactive":
            return
        copies = 8
        if session.remaining >= copies:
            session.reset(copies)
        while session.remaining >= copies:
            session.step(self.rng.integers(0, t["num_actions"], size=(self.hello.members, copies)))

    def act(self, obs):
        return self.rng.integers(0, self.hello.task["num_actions"], size=obs.shape[:2])

    def predict(self, x):
        return np.zeros(x.shape[:2] + (self.hello.task["output_dim"],), dtype=np.float32)


if __name__ == "__main__":
    serve(RandomAgent)
