using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Destinations.Sftp;

/// <summary>One entry of a directory listing.</summary>
public sealed record SftpEntry(string Name, bool IsDirectory, long Size, DateTimeOffset Modified);

/// <summary>
/// An SFTP (version 3) conversation over OpenSSH's own client: `ssh -s HOST sftp` carries it, so the admin's
/// ssh_config, keys, agent and known_hosts apply as for any ssh. The host key must already be known: BatchMode and
/// StrictHostKeyChecking=yes are forced, so an unknown or changed key is refused, never accepted (docs/destinations.md).
/// Requests carry ids; answers for other ids are kept until asked for, so writes can be pipelined. One lock: one caller
/// at a time.
/// </summary>
public sealed class SftpSession : IDisposable
{
    private readonly IPipedProcess _ssh;
    private readonly Stream _toServer;
    private readonly Stream _fromServer;
    private readonly Dictionary<uint, (SftpType Type, byte[] Payload)> _early = [];
    private uint _nextId = 1;

    private SftpSession(IPipedProcess ssh, string display)
    {
        _ssh = ssh;
        Display = display;
        _toServer = ssh.Input;
        _fromServer = ssh.Output;
    }

    /// <summary>[user@]host[:port], for messages.</summary>
    public string Display { get; }

    /// <summary>The server's extensions (posix-rename@openssh.com, fsync@openssh.com…).</summary>
    public HashSet<string> Extensions { get; } = new(StringComparer.Ordinal);

    /// <summary>How much data one READ or WRITE carries (what the server says it takes, <see cref="SftpLimits"/>).</summary>
    internal SftpLimits Limits { get; private set; } = SftpLimits.Default;

    internal object Lock { get; } = new();

    /// <summary>ssh ended or its pipe broke: nothing more goes over this session (a store opens a new one to read on).</summary>
    public bool Broken { get; private set; }

    /// <summary>Starts ssh and the SFTP subsystem; a refusal (host key, authentication, network) says what to do.</summary>
    /// <remarks>Keys from a secrets directory are offered from private copies that exist only until the login is done.</remarks>
    public static SftpSession Connect(SftpTarget target, IPipedProcessStarter processes)
    {
        var copies = target.ExtraIdentities.Select(k => PrivateFile.Write(File.ReadAllBytes(k), "mkcdrec-ssh-key")).ToList();
        try
        {
            var ssh = processes.Start(new ProcessRequest("ssh", target.SshArguments(copies)));
            var s = new SftpSession(ssh, target.Display);
            try
            {
                s.Handshake();
                return s;
            }
            catch
            {
                s.Dispose();
                throw;
            }
        }
        finally
        {
            copies.ForEach(PrivateFile.Delete);
        }
    }

    private void Handshake()
    {
        SendPacket(new SftpPacketWriter(SftpType.Init, null).U32(3).ToArray());
        var (type, payload, _) = ReadPacket();
        if (type != SftpType.Version)
        {
            throw Protocol($"the server answered INIT with packet type {(int)type}");
        }

        var r = new SftpPacketReader(payload);
        r.U32();
        while (!r.AtEnd)
        {
            Extensions.Add(r.Str());
            r.Bytes();
        }

        Limits = SftpLimits.Query(this);
    }

    /// <summary>Sends a request (the writer made with the id from <see cref="NextId"/>): one write into ssh's pipe.</summary>
    internal void SendPacket(ReadOnlySpan<byte> packet)
    {
        try
        {
            _toServer.Write(packet);
            _toServer.Flush();
        }
        catch (IOException e)
        {
            throw Lost(e);
        }
    }

    internal uint NextId() => _nextId++;

    /// <summary>The answer to request <paramref name="id"/>, keeping answers to other ids for their callers.</summary>
    /// <param name="buffer">Where to read the answer if it comes next and fits (a READ's data: no allocation per piece);
    /// otherwise, and for an answer kept earlier, the reader has an array of its own.</param>
    internal (SftpType Type, SftpPacketReader Reader) Receive(uint id, byte[]? buffer = null)
    {
        if (_early.Remove(id, out var kept))
        {
            var k = new SftpPacketReader(kept.Payload);
            k.U32(); // the id, as for an answer read just now
            return (kept.Type, k);
        }

        while (true)
        {
            var (type, payload, length) = ReadPacket(buffer);
            var r = new SftpPacketReader(payload, length);
            var got = r.U32();
            if (got == id)
            {
                return (type, r);
            }

            _early[got] = (type, payload.AsSpan(0, length).ToArray());
        }
    }

    /// <summary>Waits for a STATUS answer and throws unless it is OK (or one of <paramref name="alsoFine"/>).</summary>
    internal uint ExpectStatus(uint id, string what, string path, params uint[] alsoFine)
    {
        var (type, r) = Receive(id);
        if (type != SftpType.Status)
        {
            throw Protocol($"{what} {path}: expected a status, got packet type {(int)type}");
        }

        var code = r.U32();
        if (code == SftpCodes.Ok || alsoFine.Contains(code))
        {
            return code;
        }

        throw StatusError(code, r.AtEnd ? "" : r.Str(), what, path);
    }

    internal MkcdrecException StatusError(uint code, string message, string what, string path) => code switch
    {
        SftpCodes.NoSuchFile => new(ExitCode.BadInput, $"{what} {path} on {Display}: no such file or directory ({message}).",
            "Check the path in the sftp:// URL; its parent directory must exist on the server."),
        SftpCodes.PermissionDenied => new(ExitCode.BadInput, $"{what} {path} on {Display}: permission denied ({message}).",
            "Give the SSH user write access to the directory (or choose another directory in the sftp:// URL)."),
        _ => new(ExitCode.Environment, $"{what} {path} on {Display} failed: {(message.Length > 0 ? message : "failure")} (SFTP status {code}).",
            "Check the server: a full disk or quota is the usual cause (df on the server)."),
    };

    /// <summary>One packet: its type and payload (after the type), into <paramref name="buffer"/> when given.</summary>
    private (SftpType Type, byte[] Payload, int Length) ReadPacket(byte[]? buffer = null)
    {
        Span<byte> head = stackalloc byte[5];
        ReadExactly(head);
        var length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(head);
        if (length < 1 || length > SftpCodes.MaxPacket + 1024)
        {
            throw Protocol($"a packet of {length} bytes");
        }

        var n = (int)length - 1;
        var payload = buffer is not null && buffer.Length >= n ? buffer : new byte[n];
        ReadExactly(payload.AsSpan(0, n));
        return ((SftpType)head[4], payload, n);
    }

    private void ReadExactly(Span<byte> buffer)
    {
        try
        {
            _fromServer.ReadExactly(buffer);
        }
        catch (EndOfStreamException e)
        {
            throw Lost(e);
        }
        catch (IOException e)
        {
            throw Lost(e);
        }
    }

    /// <summary>ssh ended: what it said decides the message (host key, authentication, network).</summary>
    private MkcdrecException Lost(Exception e)
    {
        Broken = true;
        _ssh.WaitForExit(TimeSpan.FromSeconds(5));
        return SshErrors.Explain(Display, _ssh.StandardError.Trim(), e);
    }

    internal MkcdrecException Protocol(string what) =>
        new(ExitCode.CommandFailed, $"The SFTP server on {Display} gave an unexpected answer: {what}.",
            "Check that the server runs OpenSSH's sftp-server or internal-sftp (Subsystem sftp in sshd_config).");

    public void Dispose() => _ssh.Dispose();
}
