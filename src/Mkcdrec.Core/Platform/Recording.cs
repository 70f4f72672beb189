using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mkcdrec.Core.Platform;

/// <summary>
/// What a capture read from the machine: files, directory listings, links, the device bytes it read, and every
/// command with its output. `mkcdrec layout save --record FILE` writes one; tests replay it to test capture logic
/// over real recorded machines without root.
/// </summary>
public sealed class MachineRecording
{
    public Dictionary<string, string?> Files { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, List<string>> Directories { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, string?> Links { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, bool> FileExists { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, bool> DirectoryExists { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, RecordedDevice> Devices { get; set; } = new(StringComparer.Ordinal);

    public List<RecordedCommand> Commands { get; set; } = [];

    public Dictionary<string, bool> Programs { get; set; } = new(StringComparer.Ordinal);

    public static MachineRecording Load(string path) =>
        JsonSerializer.Deserialize(File.ReadAllText(path), RecordingJsonContext.Default.MachineRecording)
        ?? throw new InvalidDataException($"{path} is not a machine recording.");

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, RecordingJsonContext.Default.MachineRecording));
}

public sealed class RecordedDevice
{
    public long Length { get; set; }

    /// <summary>Byte ranges that were read: offset → base64 bytes.</summary>
    public SortedDictionary<long, byte[]> Chunks { get; set; } = [];
}

public sealed class RecordedCommand
{
    public string CommandLine { get; set; } = "";

    public int ExitCode { get; set; }

    public string StandardOutput { get; set; } = "";

    public string StandardError { get; set; } = "";
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(MachineRecording))]
public sealed partial class RecordingJsonContext : JsonSerializerContext
{
}

/// <summary>Passes everything to the real machine and remembers what came back.</summary>
public sealed class RecordingSystemFiles(ISystemFiles inner, MachineRecording rec) : ISystemFiles
{
    public bool FileExists(string path) => rec.FileExists[path] = inner.FileExists(path);

    public bool DirectoryExists(string path) => rec.DirectoryExists[path] = inner.DirectoryExists(path);

    public string? ReadText(string path) => rec.Files[path] = inner.ReadText(path);

    public IReadOnlyList<string> ListDirectory(string path)
    {
        var l = inner.ListDirectory(path);
        rec.Directories[path] = l.ToList();
        return l;
    }

    public string? ReadLink(string path) => rec.Links[path] = inner.ReadLink(path);

    public Stream OpenRead(string path)
    {
        var s = inner.OpenRead(path);
        if (!rec.Devices.TryGetValue(path, out var dev))
        {
            dev = rec.Devices[path] = new RecordedDevice();
        }

        long length;
        try
        {
            length = s.Length;
        }
        catch (NotSupportedException)
        {
            length = 0;
        }

        dev.Length = Math.Max(dev.Length, length);
        return new RecordingStream(s, dev);
    }

    private sealed class RecordingStream(Stream inner, RecordedDevice dev) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var pos = inner.Position;
            var n = inner.Read(buffer, offset, count);
            if (n > 0)
            {
                dev.Chunks[pos] = buffer.AsSpan(offset, n).ToArray();
            }

            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

public sealed class RecordingProcessRunner(IProcessRunner inner, MachineRecording rec) : IProcessRunner
{
    public bool CanRun(string program) => rec.Programs[program] = inner.CanRun(program);

    public ProcessResult Run(ProcessRequest request)
    {
        var r = inner.Run(request);
        rec.Commands.Add(new RecordedCommand { CommandLine = request.CommandLine, ExitCode = r.ExitCode, StandardOutput = r.StandardOutput, StandardError = r.StandardError });
        return r;
    }
}

/// <summary>Replays a recording: answers exactly what the machine answered; anything not recorded is absent.</summary>
public sealed class ReplaySystemFiles(MachineRecording rec) : ISystemFiles
{
    public bool FileExists(string path) => rec.FileExists.GetValueOrDefault(path) || (rec.Files.TryGetValue(path, out var t) && t is not null);

    public bool DirectoryExists(string path) => rec.DirectoryExists.GetValueOrDefault(path) || rec.Directories.ContainsKey(path);

    public string? ReadText(string path) => rec.Files.GetValueOrDefault(path);

    public IReadOnlyList<string> ListDirectory(string path) => rec.Directories.GetValueOrDefault(path) ?? [];

    public string? ReadLink(string path) => rec.Links.GetValueOrDefault(path);

    public Stream OpenRead(string path) =>
        rec.Devices.TryGetValue(path, out var dev) ? new ReplayStream(dev) : throw new FileNotFoundException($"{path} was not recorded.", path);

    private sealed class ReplayStream(RecordedDevice dev) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        // Block devices report a stream length of 0; the recorded bytes tell how far reads went.
        public override long Length => Math.Max(dev.Length, dev.Chunks.Count == 0 ? 0 : dev.Chunks.Max(c => c.Key + c.Value.Length));

        public override long Position { get; set; }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Max(0, Math.Min(count, Length - Position));
            var span = buffer.AsSpan(offset, n);
            span.Clear();
            foreach (var (start, bytes) in dev.Chunks)
            {
                var s = Math.Max(start, Position);
                var e = Math.Min(start + bytes.Length, Position + n);
                if (s < e)
                {
                    bytes.AsSpan((int)(s - start), (int)(e - s)).CopyTo(span[(int)(s - Position)..]);
                }
            }

            Position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            _ => Length + offset,
        };

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

public sealed class ReplayProcessRunner(MachineRecording rec) : IProcessRunner
{
    public bool CanRun(string program) => rec.Programs.TryGetValue(program, out var v) ? v : rec.Commands.Any(c => c.CommandLine.StartsWith(program + " ", StringComparison.Ordinal));

    public ProcessResult Run(ProcessRequest request)
    {
        var c = rec.Commands.FirstOrDefault(c => c.CommandLine == request.CommandLine)
            ?? throw new InvalidOperationException($"The recording has no output for: {request.CommandLine}");
        return new ProcessResult(c.ExitCode, c.StandardOutput, c.StandardError, TimeSpan.Zero);
    }
}
