using System.Text.RegularExpressions;
using Mkcdrec.TestVm;
using Mkcdrec.TestVm.Servers;

namespace Mkcdrec.SystemTests.Destinations;

/// <summary>
/// A restore streamed from OpenSSH's sshd whose ssh connection dies in the middle: the ssh found in PATH is a wrapper
/// whose first connection is cut after a few MiB of answers, the way a
/// dropped link or a restarted server ends it. The restore connects anew and goes on at the byte where it stopped; with
/// the server unreachable from then on it fails clearly after its tries.
/// </summary>
public sealed class SftpReconnectTests : IDisposable
{
    private readonly Sshd _server = new();
    private readonly SourceTree _tree = new("mkcdrec-sftpreconnect-");
    private readonly string _store;
    private readonly string _wrapperDir;
    private readonly string _connections;

    public SftpReconnectTests()
    {
        _store = Path.Combine(_tree.Dir, "store");
        Directory.CreateDirectory(_store);
        _wrapperDir = Path.Combine(_tree.Dir, "bin");
        Directory.CreateDirectory(_wrapperDir);
        _connections = Path.Combine(_tree.Dir, "connections");
        _tree.AddRandomFile("more.bin", 24 << 20);
        var backup = _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", _server.Url(_store), "--volume-size", "4M", "--level", "1");
        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
    }

    public void Dispose()
    {
        _server.Dispose();
        _tree.Dispose();
    }

    [Fact]
    public void A_streamed_restore_whose_ssh_connection_dies_connects_anew_and_restores_every_file()
    {
        WriteSsh(laterConnections: "exec /usr/bin/ssh \"$@\"");
        var restored = Path.Combine(_tree.Dir, "restored");
        var r = Extract(restored);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.True(File.ReadAllLines(_connections).Length >= 2, "the wrapper cut no connection: " + r.Stderr);
        Assert.Matches(@"broke off at byte \d+ \(The SSH connection to sftp-test ended unexpectedly", r.Stderr);
        Assert.Matches(@"taking it up again there \(2 of 4\)", r.Stderr);
        _tree.AssertSameFilesAsSource(restored);
    }

    [Fact]
    public void A_streamed_restore_whose_server_stays_unreachable_fails_clearly_after_its_tries()
    {
        WriteSsh(laterConnections: "echo \"ssh: connect to host 127.0.0.1 port 22: Connection refused\" >&2; exit 255");
        var r = Extract(Path.Combine(_tree.Dir, "restored"));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal(4, File.ReadAllLines(_connections).Length); // the cut one and three tries
        Assert.Equal(3, Regex.Count(r.Stderr, "taking it up again there"));
        Assert.Contains("The SSH server sftp-test cannot be reached", r.Stderr, StringComparison.Ordinal);
    }

    /// <summary>ssh for mkcdrec: the first connection's answers cut after 12.5 MiB (past the manifest, in the middle of a 4 MiB volume); later ones as given.</summary>
    private void WriteSsh(string laterConnections)
    {
        var path = Path.Combine(_wrapperDir, "ssh");
        File.WriteAllText(path, $$"""
            #!/bin/bash
            echo "$*" >> '{{_connections}}'
            if [ "$(wc -l < '{{_connections}}')" -eq 1 ]; then
                # head -c cuts at the same byte every run (dd counted a short read from the fifo as a block, so the cut
                # could fall between two volumes, where the next open reconnects with no break to report); stdbuf
                # makes it pass each answer on at once. Then ssh is killed (it ignores SIGPIPE), as a dropped link ends it.
                mkfifo '{{_wrapperDir}}/cut'
                /usr/bin/ssh "$@" <&0 > '{{_wrapperDir}}/cut' &
                stdbuf -o0 head -c 13107200 '{{_wrapperDir}}/cut'
                kill $!
                exit 255
            fi
            {{laterConnections}}
            """);
        HostProcess.Checked("chmod", ["700", path]);
    }

    private HostResult Extract(string to)
    {
        Directory.CreateDirectory(to);
        return HostProcess.Run("env", ["PATH=" + _wrapperDir + ":" + Environment.GetEnvironmentVariable("PATH"), "HOME=" + _tree.Home,
            RepoPaths.MkcdrecBinary, "--log", Path.Combine(_tree.Dir, "extract.log"),
            "archive", "extract", "--from", _server.Url(_store + "/s3host/latest"), "--to", to], TimeSpan.FromMinutes(3));
    }
}
