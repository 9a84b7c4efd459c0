"""Client for Hourglass's agent protocol, hourglass.agent/1 (docs/agent-protocol.md).

An agent is a class; Hourglass starts it as a process (the `external`
learner) and talks to it over stdin and stdout. Standard library and numpy
only.

    from hourglass_agent import Agent, serve

    class Ridge(Agent):
        def __init__(self, hello):            # the task, the members, their seeds
            self.d = hello.task["input_dim"]

        def train(self, session):             # once per training phase
            x, y = session.draw(session.remaining)   # [P, n, d], [P, n, k]
            ...

        def predict(self, x):                 # [P, n, d] -> [P, n, k] float32
            ...

    if __name__ == "__main__":
        serve(Ridge)

Interactive tasks: `train` steps environments with session.reset(copies) and
session.step(actions), and the agent implements `act(obs)` ([P, n, obs_dim]
-> int64 actions [P, n]) instead of `predict`.

The harness owns the data and the budget: session.draw / session.step past
the budget are refused (BudgetRefused), and that fails the agent's trials.
Anything printed to stdout breaks the protocol: log to stderr (the harness
keeps it in the run folder).
"""

import json
import sys

import numpy as np

PROTOCOL = "hourglass.agent/1"

_DTYPES = {
    "float32": np.float32,
    "float64": np.float64,
    "int64": np.int64,
    "int32": np.int32,
    "uint8": np.uint8,
    "bool": np.bool_,
}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


class ProtocolError(Exception):
    """The harness sent something this client does not understand."""


class BudgetRefused(Exception):
    """The harness refused a request past the budget (the trials fail)."""


class Hello:
    """What the harness says first.

    task:    {"kind": "regression" | "classification" | "interactive", ...}
             supervised: input_dim, output_dim (classes for classification),
             one_hot_block; interactive: obs_dim, num_actions, max_steps
    members: P, the population size: every tensor has a leading [P] axis
    seeds:   one 64-bit seed per member, for the agent's own randomness
    params:  {"timeout": seconds the harness waits for any one message}
    """

    def __init__(self, line):
        self.task = line["task"]
        self.members = line["members"]
        self.seeds = line["seeds"]
        self.params = line.get("params", {})


class Channel:
    """Framing: one JSON line, then the raw bytes of its tensors."""

    def __init__(self, reader=None, writer=None):
        self.reader = reader or sys.stdin.buffer
        self.writer = writer or sys.stdout.buffer

    def send(self, message, **tensors):
        message = dict(message)
        arrays = []
        if tensors:
            message["tensors"] = []
            for name, array in tensors.items():
                array = np.ascontiguousarray(array)
                if array.dtype not in _NAMES:
                    raise ProtocolError("dtype %s is not on the wire" % array.dtype)
                array = array.astype(array.dtype.newbyteorder("<"), copy=False)
                message["tensors"].append(
                    {"name": name, "dtype": _NAMES[np.dtype(array.dtype.type)],
                     "shape": list(array.shape)})
                arrays.append(array)
        self.writer.write(json.dumps(message).encode("utf-8") + b"\n")
        for array in arrays:
            self.writer.write(array.tobytes())
        self.writer.flush()

    def receive(self):
        line = self.reader.readline()
        if not line:
            return None
        message = json.loads(line)
        tensors = {}
        for spec in message.get("tensors", []):
            dtype = np.dtype(_DTYPES[spec["dtype"]]).newbyteorder("<")
            count = int(np.prod(spec["shape"], dtype=np.int64))
            data = self._read_exact(count * dtype.itemsize)
            tensors[spec["name"]] = np.frombuffer(data, dtype=dtype).reshape(spec["shape"])
        return message, tensors

    def _read_exact(self, n):
        chunks, left = [], n
        while left > 0:
            chunk = self.reader.read(left)
            if not chunk:
                raise ProtocolError("the harness closed the pipe inside a tensor")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)


class Session:
    """One training phase: the only way to data. remaining/budget count
    samples (supervised) or environment steps (interactive) per member."""

    def __init__(self, channel, budget, remaining):
        self._channel = channel
        self.budget = budget
        self.remaining = remaining
        self.updates = 0  # set it: reported to the harness as the phase's updates

    def _ask(self, message, expected, **tensors):
        self._channel.send(message, **tensors)
        got = self._channel.receive()
        if got is None:
            raise ProtocolError("the harness closed the pipe")
        reply, arrays = got
        if reply["type"] == "refused":
            self.remaining = reply.get("remaining", self.remaining)
            raise BudgetRefused(reply.get("message", "refused"))
        if reply["type"] != expected:
            raise ProtocolError("expected %r, got %r" % (expected, reply["type"]))
        self.remaining = reply["remaining"]
        return arrays

    def draw(self, n):
        """n fresh labelled examples per member: x [P, n, d] float32 and y
        ([P, n, k] float32 targets, or [P, n] int64 class ids)."""
        arrays = self._ask({"type": "draw", "n": int(n)}, "data")
        return arrays["x"], arrays["y"]

    def reset(self, copies):
        """Starts `copies` environments per member on training levels:
        obs [P, copies, obs_dim] float32. Costs nothing."""
        return self._ask({"type": "reset", "copies": int(copies)}, "observation")["obs"]

    def step(self, actions):
        """actions [P, copies] int -> (obs, reward [P, copies] float32,
        done [P, copies] bool); costs `copies` steps of the budget. A copy
        whose episode ended is already reset (obs is the new first one)."""
        actions = np.asarray(actions, dtype=np.int64)
        arrays = self._ask({"type": "step"}, "transition", actions=actions)
        return arrays["obs"], arrays["reward"], arrays["done"]


class Agent:
    """Subclass and implement train and predict (supervised) or act
    (interactive). The constructor receives the Hello."""

    def __init__(self, hello):
        self.hello = hello

    def train(self, session):
        raise NotImplementedError

    def predict(self, x):
        raise NotImplementedError

    def act(self, obs):
        raise NotImplementedError


def serve(make_agent, channel=None):
    """Runs the protocol until the harness says close: make_agent(hello)
    builds the agent. Exits non-zero (with the reason on stderr) when the
    agent raises, which fails its trials with that message."""
    channel = channel or Channel()
    got = channel.receive()
    if got is None or got[0].get("type") != "hello":
        raise ProtocolError("expected 'hello' first")
    hello = Hello(got[0])
    if got[0].get("protocol") != PROTOCOL:
        raise ProtocolError("the harness speaks %r, this client %r" % (got[0].get("protocol"), PROTOCOL))
    agent = make_agent(hello)
    channel.send({"type": "hello", "protocol": PROTOCOL})
    while True:
        got = channel.receive()
        if got is None:
            return
        message, arrays = got
        kind = message["type"]
        if kind == "close":
            return
        if kind == "train":
            session = Session(channel, message["budget"], message["remaining"])
            agent.train(session)
            channel.send({"type": "done", "updates": int(session.updates)})
        elif kind == "predict":
            y = np.asarray(agent.predict(arrays["x"]), dtype=np.float32)
            channel.send({"type": "prediction"}, y=y)
        elif kind == "act":
            a = np.asarray(agent.act(arrays["obs"]), dtype=np.int64)
            channel.send({"type": "action"}, actions=a)
        else:
            raise ProtocolError("unknown message %r" % kind)
