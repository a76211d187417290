"""A TCP proxy in front of the broker, so a test can take the broker away and
bring it back with its data (Tansu's memory storage would not survive a restart)."""

import socket
import threading


class Proxy:
    """Forwards 127.0.0.1:port to the broker; `cut()` drops every connection and
    stops listening, `restore()` listens again on the same port."""

    def __init__(self, port: int, target_port: int) -> None:
        self.port = port
        self.target = ("127.0.0.1", target_port)
        self.silent = threading.Event()  # `silence()`: connections stay, nothing passes
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.listener = listener
        threading.Thread(target=self.accept, args=(listener,), daemon=True).start()

    def silence(self) -> None:
        """A broker that stops answering but keeps its connections (stopped
        with SIGSTOP, say): nothing is forwarded any more, for good."""
        self.silent.set()

    def cut(self) -> None:
        with self.lock:
            doomed, self.sockets = self.sockets, []
            listener, self.listener = self.listener, None
        for sock in [*doomed, *([listener] if listener else [])]:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pipe, args=(a, b), daemon=True).start()

    def pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if not self.silent.is_set():
                    sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
