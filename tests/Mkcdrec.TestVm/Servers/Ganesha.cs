using System.Diagnostics;

namespace Mkcdrec.TestVm.Servers;

/// <summary>
/// NFS-Ganesha (Debian's userspace NFS server, VFS backend) serving NFSv3 and NFSv4 in a network namespace of the
/// test's own, with its own rpcbind (NFSv3's portmapper) in a private mount namespace, so nothing of this machine's
/// network or /run is touched. A guest started in the same namespace (<see cref="Namespace"/>) reaches it as 10.0.2.2
/// (a test VM's <c>NetworkNamespace</c> option; QEMU started from this process: <see cref="NetworkNamespace.Run{T}"/>).
/// Two exports: <see cref="Export"/>, a directory the test reads from this machine, and <see cref="SmallExport"/>, on
/// an 8 MiB tmpfs only the server sees (a destination that fills up). Stopped and removed on Dispose.
/// </summary>
public sealed class Ganesha : IDisposable
{
    private const string Binary = "/usr/bin/ganesha.nfsd";
    private readonly Process _process;

    public Ganesha()
    {
        if (!File.Exists(Binary) || !File.Exists("/usr/sbin/rpcbind"))
        {
            throw new InvalidOperationException($"{Binary} or rpcbind is missing: run .ci/install-deps (it installs nfs-ganesha without starting its service).");
        }

        Directory = System.IO.Directory.CreateTempSubdirectory("mkcdrec-ganesha-").FullName;
        Export = Path.Combine(Directory, "export");
        SmallExport = Path.Combine(Directory, "small");
        System.IO.Directory.CreateDirectory(Export);
        System.IO.Directory.CreateDirectory(SmallExport);
        Namespace = "mkcdrec-nfs-" + Guid.NewGuid().ToString("N")[..8];
        HostProcess.Checked("ip", "netns", "add", Namespace);
        HostProcess.Checked("ip", "netns", "exec", Namespace, "ip", "link", "set", "lo", "up");
        File.WriteAllText(Path.Combine(Directory, "ganesha.conf"), Config());
        File.WriteAllText(Path.Combine(Directory, "run.sh"), $"""
            set -e
            mount -t tmpfs -o mode=755 tmpfs /run
            mkdir -p /run/rpcbind /var/lib/nfs
            mount -t tmpfs tmpfs /var/lib/nfs
            mount -t tmpfs -o size=8m tmpfs {SmallExport}
            rpcbind -f -w & echo $! > {Directory}/rpcbind.pid
            for i in $(seq 100); do [ -S /run/rpcbind.sock ] && break; sleep 0.1; done
            exec {Binary} -F -L {Directory}/ganesha.log -f {Directory}/ganesha.conf -p {Directory}/ganesha.pid
            """);
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", Namespace, "unshare", "-m", "--propagation", "private", "bash", Path.Combine(Directory, "run.sh") })
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi)!;
        _ = _process.StandardOutput.ReadToEndAsync();
        _ = _process.StandardError.ReadToEndAsync();
        WaitServing();
    }

    public string Directory { get; }

    /// <summary>The network namespace the server listens in (on 2049, 20048 for mountd, 111 for rpcbind).</summary>
    public string Namespace { get; }

    public string Export { get; }

    public string SmallExport { get; }

    /// <summary>An nfs:// URL of a directory of an export as a guest in <see cref="Namespace"/> names it.</summary>
    public static string GuestUrl(string path, string? vers = null) => "nfs://10.0.2.2" + path + (vers is null ? "" : "?vers=" + vers);

    /// <summary>Runs a command in the server's mount namespace (where the small export's tmpfs is mounted).</summary>
    public string InServer(string script) =>
        HostProcess.Run("nsenter", ["-t", File.ReadAllText(Path.Combine(Directory, "ganesha.pid")).Trim(), "-m", "sh", "-c", script]).Stdout;

    public string Log => File.Exists(Path.Combine(Directory, "ganesha.log")) ? File.ReadAllText(Path.Combine(Directory, "ganesha.log")) : "";

    public void Dispose()
    {
        foreach (var pid in new[] { "ganesha.pid", "rpcbind.pid" })
        {
            var file = Path.Combine(Directory, pid);
            if (File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), out var n))
            {
                HostProcess.Run("kill", [n.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }
        }

        if (!_process.WaitForExit(10_000))
        {
            _process.Kill(entireProcessTree: true);
        }

        HostProcess.Run("ip", ["netns", "del", Namespace]);
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private string Config()
    {
        string ExportBlock(int id, string path) => $$"""
            EXPORT {
              Export_Id = {{id}}; Path = {{path}}; Pseudo = {{path}};
              Access_Type = RW; Squash = No_Root_Squash; SecType = sys; Protocols = 3, 4; Transports = TCP;
              FSAL { Name = VFS; }
            }
            """;
        return $$"""
            NFS_CORE_PARAM { NFS_Port = 2049; MNT_Port = 20048; Protocols = 3, 4; Enable_NLM = false; Enable_RQUOTA = false; }
            NFSV4 { Graceless = true; }
            NFS_KRB5 { Active_krb5 = false; }
            LOG { Default_Log_Level = EVENT; }
            {{ExportBlock(1, Export)}}
            {{ExportBlock(2, SmallExport)}}
            """;
    }

    // Serving once rpcbind knows mountd and nfsd (ganesha registers them after its exports are loaded).
    private void WaitServing()
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"ganesha.nfsd exited ({_process.ExitCode}):\n{Log}");
            }

            var r = HostProcess.Run("ip", ["netns", "exec", Namespace, "rpcinfo", "-p", "127.0.0.1"]);
            if (r.ExitCode == 0 && r.Stdout.Contains("mountd", StringComparison.Ordinal) && r.Stdout.Contains(" nfs", StringComparison.Ordinal))
            {
                return;
            }

            Thread.Sleep(200);
        }

        throw new InvalidOperationException($"ganesha.nfsd did not register with rpcbind in 30 s:\n{Log}");
    }
}
