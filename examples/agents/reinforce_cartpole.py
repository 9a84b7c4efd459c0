#!/usr/bin/env python3
"""REINFORCE in numpy for interactive tasks (cart-pole) as an external agent.

Per member a linear softmax policy pi(a | s) = softmax(s W + b), trained by
the policy gradient with the episode's return-to-go, normalized within each
batch of finished episodes (a baseline), and Adam. It steps `copies`
environments per member at once until the budget is spent.

    agents:
      - name: numpy-reinforce
        learner: external
        params: {command: [python3, agents/reinforce_cartpole.py, --lr, 0.05]}

Needs numpy (Debian: python3-numpy).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import numpy as np  # noqa: E402
from hourglass_agent import Agent, serve  # noqa: E402


def softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class Reinforce(Agent):
    def __init__(self, hello, lr, copies, gamma):
        super().__init__(hello)
        t = hello.task
        if t["kind"] != "interactive":
            raise SystemExit("reinforce_cartpole.py: interactive tasks only")
        self.P, self.d, self.A = hello.members, t["obs_dim"], t["num_actions"]
        self.lr, self.copies, self.gamma = lr, copies, gamma
        # One random stream per member, from the harness's seeds.
        self.rngs = [np.random.default_rng(s % (2 ** 63)) for s in hello.seeds]
        self.W = np.zeros((self.P, self.d + 1, self.A))
        self.m = np.zeros_like(self.W)
        self.v = np.zeros_like(self.W)
        self.t = 0

    def _probs(self, obs):                               # obs [P, E, d]
        s = np.concatenate([obs, np.ones(obs.shape[:-1] + (1,))], axis=-1)
        return s, softmax(np.einsum("ped,pda->pea", s, self.W))

    def _sample(self, probs):                            # [P, E, A] -> [P, E]
        u = np.stack([r.random(probs.shape[1]) for r in self.rngs])[..., None]
        return np.minimum((probs.cumsum(-1) < u).sum(-1), self.A - 1)

    def train(self, session):
        E = self.copies
        if session.remaining < E:
            return
        obs = session.reset(E)
        traj = [[[] for _ in range(E)] for _ in range(self.P)]   # (s, a, p, r) per copy
        grads, finished = np.zeros_like(self.W), 0
        while session.remaining >= E:
            s, probs = self._probs(obs.astype(np.float64))
            a = self._sample(probs)
            obs, reward, done = session.step(a)
            for p in range(self.P):
                for e in range(E):
                    traj[p][e].append((s[p, e], a[p, e], probs[p, e], float(reward[p, e])))
                    if done[p, e]:
                        grads[p] += self._episode_grad(traj[p][e])
                        traj[p][e] = []
                        finished += 1
            if finished >= 2 * self.P:
                self._adam(grads / max(1, finished / self.P))
                session.updates += 1
                grads, finished = np.zeros_like(self.W), 0

    def _episode_grad(self, episode):
        g, ret, returns = np.zeros((self.d + 1, self.A)), 0.0, []
        for (_, _, _, r) in reversed(episode):
            ret = r + self.gamma * ret
            returns.append(ret)
        returns = np.array(returns[::-1])
        returns = (returns - returns.mean()) / (returns.std() + 1e-8)
        for (s, a, p, _), G in zip(episode, returns):
            onehot = np.zeros(self.A)
            onehot[a] = 1.0
            g += G * np.outer(s, onehot - p)
        return g / len(episode)

    def _adam(self, g, b1=0.9, b2=0.999):
        self.t += 1
        self.m = b1 * self.m + (1 - b1) * g
        self.v = b2 * self.v + (1 - b2) * g * g
        mhat, vhat = self.m / (1 - b1 ** self.t), self.v / (1 - b2 ** self.t)
        self.W += self.lr * mhat / (np.sqrt(vhat) + 1e-8)   # ascent on the return

    def act(self, obs):
        _, probs = self._probs(obs.astype(np.float64))
        return probs.argmax(-1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--copies", type=int, default=16, help="environments per member")
    parser.add_argument("--gamma", type=float, default=0.99)
    args = parser.parse_args()
    serve(lambda hello: Reinforce(hello, args.lr, args.copies, args.gamma))


if __name__ == "__main__":
    main()
