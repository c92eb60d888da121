"""moto server (the installed moto) with DynamoDB requests serialized and stream reads on the live table.

moto 5.2.5 answers requests on several threads, and its TransactWriteItems deep-copies the whole table before
applying a transaction and restores that copy when a condition fails. Two concurrent transactions can therefore
lose each other's writes (a failed one restores a table that predates the other's commit), which DynamoDB never
does: each of its requests is atomic and transactions are serializable. A transaction that fails also removes the
stream records it had appended, so a DynamoDB Streams read in the middle of it can return a record that never
happened and whose sequence number is then reused. Holding one lock around every DynamoDB and DynamoDB Streams
request restores DynamoDB's model; every other service (SQS long polls included) stays concurrent.

The rollback also replaces the table object (and its stream shard) by the copy, while a shard iterator obtained
before keeps the old shard, which holds the rolled-back records: GetRecords on it returns records that never
happened, under sequence numbers later reused. Iterators are therefore re-pointed at the live table's shard before
each read (one monkeypatch, below), so a read sees exactly the committed records.

Usage: python moto_server.py -H 127.0.0.1 -p PORT
"""

import argparse
import threading

from werkzeug.serving import run_simple
from moto.dynamodbstreams import models as streams_models
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

SERIALIZED_TARGET_PREFIXES = ("DynamoDB_20120810.", "DynamoDBStreams_20120810.")


class SerializedDynamoDb:
    """WSGI middleware: one DynamoDB or DynamoDB Streams request at a time, the body produced under the lock."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith(SERIALIZED_TARGET_PREFIXES):
            return self.app(environ, start_response)
        with self.lock:
            return list(self.app(environ, start_response))


_read_shard = streams_models.ShardIterator.get


def _read_live_shard(self, limit=1000):
    current = self.streams_backend.dynamodb.tables.get(self.stream_shard.table.name)
    if current is not None and current.stream_shard is not None:
        self.stream_shard = current.stream_shard
    return _read_shard(self, limit)


streams_models.ShardIterator.get = _read_live_shard


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        args.host,
        args.port,
        SerializedDynamoDb(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
