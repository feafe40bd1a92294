namespace Recur.IO;

/// <summary>
/// Crash-safe file replacement: the content is written to a temporary file in the destination's directory, flushed to
/// the disk (fsync), and only then renamed over the destination (an atomic rename on POSIX file systems and NTFS). A
/// failure or crash at any point before the rename leaves the previous file untouched.
/// </summary>
internal static class AtomicFile
{
    /// <summary>
    /// Test hook: when set in the current async flow, the write stream throws an <see cref="IOException"/> once this
    /// many bytes have been written, simulating a crash (disk full, killed process) in the middle of a save.
    /// </summary>
    internal static readonly AsyncLocal<long?> FailAfterBytesForTesting = new();

    /// <summary>The prefix of the temporary files (<c>.&lt;name&gt;.tmp-&lt;random&gt;</c>), so stale ones are recognisable.</summary>
    internal static string TempPrefix(string fileName) => "." + fileName + ".tmp-";

    /// <summary>Writes <paramref name="path"/> atomically with <paramref name="write"/>, which receives the stream.</summary>
    /// <exception cref="IOException">Writing, flushing or renaming failed; the previous file (if any) is unchanged.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        var tmp = Path.Combine(dir, TempPrefix(Path.GetFileName(full)) + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Stream s = FailAfterBytesForTesting.Value is { } limit ? new FailingStream(fs, limit) : fs;
                write(s);
                s.Flush();
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>A write-only pass-through stream that fails after a byte budget (the crash simulation).</summary>
    private sealed class FailingStream(Stream inner, long budget) : Stream
    {
        private long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            long room = budget - _written;
            if (buffer.Length > room)
            {
                inner.Write(buffer[..(int)Math.Max(0, room)]);
                _written = budget;
                inner.Flush();
                throw new IOException($"simulated failure after {budget} bytes (test hook)");
            }
            inner.Write(buffer);
            _written += buffer.Length;
        }
    }
}
