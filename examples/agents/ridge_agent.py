#!/usr/bin/env python3
"""A numpy ridge regression as an external agent (hourglass.agent/1).

Per member: draws its whole budget, then solves
    (X^T X / n + lambda I) w = X^T y / n
in float64, without an intercept (Hourglass's built-in `ridge` with
`features: identity, intercept: false` solves the same system, with lambda
raised to 1e-10 when smaller; so does this agent).

    agents:
      - name: numpy-ridge
        learner: external
        params: {command: [python3, agents/ridge_agent.py, --lambda, 1.0e-3]}

Needs numpy (Debian: python3-numpy).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import numpy as np  # noqa: E402
from hourglass_agent import Agent, serve  # noqa: E402


class RidgeAgent(Agent):
    def __init__(self, hello, lam):
        super().__init__(hello)
        if hello.task["kind"] != "regression":
            raise SystemExit("ridge_agent.py: regression tasks only, got " + hello.task["kind"])
        self.lam = max(lam, 1e-10)
        self.w = np.zeros((hello.members, hello.task["input_dim"], hello.task["output_dim"]))

    def train(self, session):
        if session.remaining == 0:
            return
        x, y = session.draw(session.remaining)           # [P, n, d], [P, n, k]
        x, y = x.astype(np.float64), y.astype(np.float64)
        n, d = x.shape[1], x.shape[2]
        a = np.einsum("pnd,pne->pde", x, x) / n + self.lam * np.eye(d)
        b = np.einsum("pnd,pnk->pdk", x, y) / n
        self.w = np.linalg.solve(a, b)
        session.updates = 1

    def predict(self, x):
        return np.einsum("pnd,pdk->pnk", x.astype(np.float64), self.w).astype(np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lambda", dest="lam", type=float, default=1e-3,
                        help="L2 penalty per sample (default 1e-3)")
    args = parser.parse_args()
    serve(lambda hello: RidgeAgent(hello, args.lam))


if __name__ == "__main__":
    main()
