"""The built-in event handlers: each turns the stream of run events into one output."""
