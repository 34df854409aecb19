using Microsoft.Data.Sqlite;

namespace Provider.Monitor.Storage.Sqlite;

/// <summary>
/// Writes one node's cycle in one transaction on the store's write connection. The commands are prepared once and
/// rebound for each row: inserting lines is the ingest hot path. Not thread-safe: the store's write gate serialises it.
/// </summary>
internal sealed class CycleWriter : IDisposable
{
    private readonly SqliteCommand node;
    private readonly SqliteCommand snapshot;
    private readonly SqliteCommand prune;
    private readonly SqliteCommand deployEvent;
    private readonly SqliteCommand line;
    private readonly SqliteCommand lastLineId;
    private readonly SqliteCommand index;
    private readonly SqliteCommand cursor;

    public CycleWriter(SqliteConnection connection)
    {
        node = Command(connection, "INSERT OR IGNORE INTO nodes(node) VALUES ($node)", "$node");
        snapshot = Command(connection, "INSERT INTO node_snapshots(node, collected_at, json) VALUES ($node, $at, $json)", "$node", "$at", "$json");
        prune = Command(connection, """
            DELETE FROM node_snapshots WHERE id IN (
                SELECT id FROM node_snapshots WHERE node = $node ORDER BY collected_at DESC, id DESC LIMIT -1 OFFSET $keep)
            """, "$node", "$keep");
        deployEvent = Command(connection, """
            INSERT OR IGNORE INTO deploy_events(node, environment, time, release, rev, outcome, seconds)
            VALUES ($node, $environment, $time, $release, $rev, $outcome, $seconds)
            """, "$node", "$environment", "$time", "$release", "$rev", "$outcome", "$seconds");
        line = Command(connection, """
            INSERT INTO log_lines(node, environment, source, time, level, http_status, message)
            VALUES ($node, $environment, $source, $time, $level, $status, $message)
            """, "$node", "$environment", "$source", "$time", "$level", "$status", "$message");
        lastLineId = Command(connection, "SELECT coalesce(max(id), 0) FROM log_lines");
        // The only writer of log_lines, so the one place that keeps log_fts in step with inserts (migration 2).
        index = Command(connection, "INSERT INTO log_fts(rowid, message) SELECT id, message FROM log_lines WHERE id > $after", "$after");
        // Upsert, not replace-all: a cycle that read only some sources (or none, node unreachable) keeps the others' cursors.
        cursor = Command(connection, """
            INSERT INTO cursors(node, source_key, value) VALUES ($node, $key, $value)
            ON CONFLICT(node, source_key) DO UPDATE SET value = excluded.value
            """, "$node", "$key", "$value");
    }

    private SqliteCommand[] All => [node, snapshot, prune, deployEvent, line, lastLineId, index, cursor];

    public async Task WriteAsync(SqliteConnection connection, NodeCycle cycle, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var snap = cycle.Snapshot;
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
        foreach (var c in All)
        {
            c.Transaction = tx;
        }

        Run(node, snap.Node);
        Run(snapshot, snap.Node, UnixTime.ToMs(snap.CollectedAt), SnapshotJson.Serialize(snap));
        Run(prune, snap.Node, SqliteMigrations.SnapshotsKeptPerNode);
        foreach (var e in cycle.History)
        {
            Run(deployEvent, e.Node, e.Environment, UnixTime.ToMs(e.Time), e.Release, e.Rev, e.Outcome, e.Seconds);
        }

        var after = (long)(lastLineId.ExecuteScalar() ?? 0L);
        for (var i = 0; i < cycle.Lines.Length; i++)
        {
            if (i % 1024 == 1023)
            {
                ct.ThrowIfCancellationRequested();
            }

            var l = cycle.Lines[i];
            Run(line, l.Node, l.Environment, l.Source, UnixTime.ToMs(l.Time), l.Level, l.HttpStatus, l.Message);
        }

        if (cycle.Lines.Length > 0)
        {
            Run(index, after);
        }

        foreach (var (key, value) in cycle.Cursors)
        {
            Run(cursor, snap.Node, key, value);
        }

        await tx.CommitAsync(ct);
    }

    public void Dispose()
    {
        foreach (var c in All)
        {
            c.Dispose();
        }
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var p in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = p });
        }

        command.Prepare();
        return command;
    }

    /// <summary>Rebinds the prepared command's parameters in order (null becomes SQL NULL, so NOT NULL constraints see it) and runs it.</summary>
    private static void Run(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        command.ExecuteNonQuery();
    }
}
