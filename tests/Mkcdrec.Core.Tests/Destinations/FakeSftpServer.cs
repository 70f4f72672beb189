using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Pipes;
using System.Text;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Tests.Destinations;

/// <summary>
/// An SFTP version 3 server in the test process, behind OS pipes where ssh would be: the files a backup writes, the
/// extensions it offers (limits@openssh.com with chosen limits, or none), and the ways a server may differ from
/// OpenSSH's: READ answers shorter than asked, answers out of order, a disk that fills up.
/// </summary>
internal sealed class FakeSftpServer : IPipedProcessStarter, IPipedProcess
{
    private readonly AnonymousPipeServerStream _requests = new(PipeDirection.Out);
    private readonly AnonymousPipeServerStream _answers = new(PipeDirection.In);
    private readonly Dictionary<string, string> _handles = [];
    private readonly BlockingCollection<(byte Type, byte[] Body)> _incoming = [];
    private readonly Thread _reader;
    private readonly Thread _server;
    private int _handleCount;

    public FakeSftpServer()
    {
        _reader = new Thread(ReadRequests) { IsBackground = true };
        _server = new Thread(Serve) { IsBackground = true };
    }

    /// <summary>(max-packet, max-read, max-write) said through limits@openssh.com; null: the extension is not offered.</summary>
    public (ulong Packet, ulong Read, ulong Write)? Limits { get; init; } = (256 * 1024, 255 * 1024, 255 * 1024);

    /// <summary>The most data one READ answer carries, whatever was asked (a server that gives less).</summary>
    public int ServeAtMost { get; init; } = int.MaxValue;

    /// <summary>Answer READs two at a time, the second first (the protocol allows any order); one alone waits 20 ms for a second.</summary>
    public bool Reorder { get; init; }

    /// <summary>Bytes a file may hold before WRITEs fail with "No space left on device".</summary>
    public long DiskSpace { get; init; } = long.MaxValue;

    public Dictionary<string, MemoryStream> Files { get; } = [];

    public int LargestWrite { get; private set; }

    public int LargestReadAsked { get; private set; }

    public Stream Input => _requests;

    public Stream Output => _answers;

    public string StandardError => "";

    public IPipedProcess Start(ProcessRequest request)
    {
        _reader.Start();
        _server.Start();
        return this;
    }

    public bool WaitForExit(TimeSpan timeout) => true;

    public void Dispose()
    {
        _requests.Dispose();
        _reader.Join();
        _server.Join();
        _answers.Dispose();
    }

    private void ReadRequests()
    {
        using var input = new AnonymousPipeClientStream(PipeDirection.In, _requests.ClientSafePipeHandle);
        var head = new byte[5];
        while (input.ReadAtLeast(head, 5, throwOnEndOfStream: false) == 5)
        {
            var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(head) - 1];
            input.ReadExactly(body);
            _incoming.Add((head[4], body));
        }

        _incoming.CompleteAdding();
    }

    private void Serve()
    {
        using var output = new AnonymousPipeClientStream(PipeDirection.Out, _answers.ClientSafePipeHandle);
        byte[]? held = null; // a READ's answer waiting to go after the next one's
        while (true)
        {
            if (!_incoming.TryTake(out var request, held is null ? Timeout.Infinite : 20))
            {
                if (held is null)
                {
                    return; // the client closed its end
                }

                output.Write(held);
                held = null;
                continue;
            }

            var answer = Answer(request.Type, new Fields(request.Body));
            if (Reorder && request.Type == 5 && held is null)
            {
                held = answer;
                continue;
            }

            output.Write(answer);
            if (held is not null)
            {
                output.Write(held);
                held = null;
            }
        }
    }

    private byte[] Answer(byte type, Fields f)
    {
        if (type == 1)
        {
            byte[] ext = Limits is null ? [] : [.. Str("limits@openssh.com"), .. Str("1")];
            return Packet(2, [.. U32(3), .. Str("posix-rename@openssh.com"), .. Str("1"), .. Str("fsync@openssh.com"), .. Str("1"), .. ext]);
        }

        var id = f.U32();
        switch (type)
        {
            case 3:
                var path = f.Str();
                var h = "h" + ++_handleCount;
                _handles[h] = path;
                Files.TryAdd(path, new MemoryStream());
                return Packet(102, [.. U32(id), .. Str(h)]);
            case 5:
                return Read(id, Files[_handles[f.Str()]], (long)f.U64(), (int)f.U32());
            case 6:
                return Write(id, Files[_handles[f.Str()]], (long)f.U64(), f.Bytes());
            case 13:
                Files.Remove(f.Str());
                return Status(id, 0);
            case 17: // STAT: every directory exists
                return Packet(105, [.. U32(id), .. U32(4), .. U32(0x41ED)]);
            case 200:
                return Extended(id, f);
            default: // CLOSE
                return Status(id, 0);
        }
    }

    private byte[] Extended(uint id, Fields f)
    {
        var name = f.Str();
        if (name == "limits@openssh.com" && Limits is { } l)
        {
            return Packet(201, [.. U32(id), .. U64(l.Packet), .. U64(l.Read), .. U64(l.Write), .. U64(0)]);
        }

        if (name == "posix-rename@openssh.com")
        {
            var from = f.Str();
            Files[f.Str()] = Files[from];
            Files.Remove(from);
        }

        return Status(id, 0);
    }

    private byte[] Read(uint id, MemoryStream file, long offset, int length)
    {
        LargestReadAsked = Math.Max(LargestReadAsked, length);
        if (offset >= file.Length)
        {
            return Status(id, 1);
        }

        var n = (int)Math.Min(Math.Min(length, ServeAtMost), file.Length - offset);
        return Packet(103, [.. U32(id), .. U32((uint)n), .. file.GetBuffer().AsSpan((int)offset, n)]);
    }

    private byte[] Write(uint id, MemoryStream file, long offset, byte[] data)
    {
        LargestWrite = Math.Max(LargestWrite, data.Length);
        if (offset + data.Length > DiskSpace)
        {
            return Status(id, 4, "No space left on device");
        }

        file.Position = offset;
        file.Write(data);
        return Status(id, 0);
    }

    private static byte[] Status(uint id, uint code, string message = "") => Packet(101, [.. U32(id), .. U32(code), .. Str(message), .. Str("")]);

    private static byte[] Packet(byte type, byte[] body) => [.. U32((uint)body.Length + 1), type, .. body];

    private static byte[] U32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        return b;
    }

    private static byte[] U64(ulong v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, v);
        return b;
    }

    private static byte[] Str(string s) => [.. U32((uint)Encoding.UTF8.GetByteCount(s)), .. Encoding.UTF8.GetBytes(s)];

    private sealed class Fields(byte[] body)
    {
        private int _pos;

        public uint U32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

        public ulong U64() => BinaryPrimitives.ReadUInt64BigEndian(Take(8));

        public byte[] Bytes() => Take((int)U32()).ToArray();

        public string Str() => Encoding.UTF8.GetString(Bytes());

        private ReadOnlySpan<byte> Take(int n)
        {
            _pos += n;
            return body.AsSpan(_pos - n, n);
        }
    }
}
