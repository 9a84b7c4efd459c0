#!/usr/bin/env python3
"""Test agent that misbehaves in one way: broken_agent.py MODE [MARKER].

Each mode is one failure the harness must turn into failed trials with a
message (docs/agent-protocol.md, "Failures"). With MARKER, the agent first
starts a child process whose argv holds MARKER, so that a test can count
what survives the run (the harness must kill the agent's process group).
"""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "python"))
import numpy as np  # noqa: E402
from hourglass_agent import Agent, Channel, serve  # noqa: E402

mode = sys.argv[1]
if len(sys.argv) > 2:
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", sys.argv[2]])

out = sys.stdout.buffer


def raw(text):
    out.write(text)
    out.flush()


def greet():
    """Reads the hello and answers it (by hand, for the modes that break the framing)."""
    sys.stdin.buffer.readline()
    raw(b'{"type": "hello", "protocol": "hourglass.agent/1"}\n')
    sys.stdin.buffer.readline()  # train


print("broken_agent.py: mode " + mode, file=sys.stderr, flush=True)

if mode == "exit":            # exits non-zero in the middle of training
    greet()
    print("giving up: something went wrong", file=sys.stderr, flush=True)
    sys.exit(3)
if mode == "signal":          # dies by a signal
    greet()
    os.kill(os.getpid(), signal.SIGSEGV)
if mode == "hang":            # never answers (the harness's timeout kills it)
    greet()
    time.sleep(600)
if mode == "malformed":       # a line that is not JSON
    greet()
    raw(b"{this is not json\n")
    time.sleep(600)
if mode == "unknown":         # a message the protocol does not have
    greet()
    raw(b'{"type": "dance"}\n')
    time.sleep(600)
if mode == "short":           # declares a tensor, sends fewer bytes, exits
    greet()
    raw(b'{"type": "draw", "n": 1}\n')
    sys.stdin.buffer.readline()
    raw(b'{"type": "done"}\n')
    sys.stdin.buffer.readline()  # predict
    raw(json.dumps({"type": "prediction", "tensors": [
        {"name": "y", "dtype": "float32", "shape": [2, 1000, 1]}]}).encode() + b"\n")
    raw(b"\0" * 100)
    sys.exit(0)
if mode == "version":         # speaks another protocol
    sys.stdin.buffer.readline()
    raw(b'{"type": "hello", "protocol": "hourglass.agent/0"}\n')
    time.sleep(600)


class Broken(Agent):
    def train(self, session):
        if mode == "greedy":  # asks past the budget
            session.draw(session.remaining + 1)
        elif mode == "reset":  # an interactive request on a supervised task
            session.reset(4)
        else:
            session.draw(session.remaining)

    def predict(self, x):
        k = self.hello.task["output_dim"]
        if mode == "dtype":
            return np.zeros(x.shape[:2] + (k,), dtype=np.float64)
        if mode == "shape":
            return np.zeros(x.shape[:2] + (k + 1,), dtype=np.float32)
        if mode == "nan":
            return np.full(x.shape[:2] + (k,), np.nan, dtype=np.float32)
        if mode == "stdout":  # a stray print on stdout
            print("predicting now")
            sys.stdout.flush()
        return np.zeros(x.shape[:2] + (k,), dtype=np.float32)



if mode == "dtype":
    # The client casts predictions to float32: send the reply by hand.
    channel = Channel()
    hello, _ = channel.receive()
    channel.send({"type": "hello", "protocol": "hourglass.agent/1"})
    message, _ = channel.receive()
    x, y = None, None
    channel.send({"type": "draw", "n": 0})
    channel.receive()
    channel.send({"type": "done"})
    message, arrays = channel.receive()
    x = arrays["x"]
    channel.send({"type": "prediction"},
                 y=np.zeros(x.shape[:2] + (hello["task"]["output_dim"],), dtype=np.float64))
    time.sleep(600)

serve(Broken)
