using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Mkcdrec.TestVm;

/// <summary>
/// One running QEMU guest (TCG) with the mkcdrec binary and scratch disks, and an agent that runs bash scripts as root.
/// Boot once with <see cref="Start"/>, run many commands with <see cref="Run"/>, give cases blank disks with
/// <see cref="WipeDisks"/>, and <see cref="Dispose"/> (powers off, kills QEMU if needed, deletes the disks).
/// </summary>
/// <remarks>
/// Host side, a VM directory holds share/ (the 9p job share, the guest's /job), disks/, serial.log and qemu.pid.
/// The host writes share/queue/ID.sh; the guest agent (testvm/guest-agent.sh) runs it and writes share/out/ID.out, .err
/// and, last, .rc. testvm/start-vm.sh owns the QEMU command line (shared with testvm/run.sh).
/// </remarks>
public sealed class TestVm : IDisposable
{
    /// <summary>Where the job share is mounted in the guest. Files given to <see cref="CopyIn"/> land in /job/files.</summary>
    public const string GuestJobDir = "/job";

    private static int _counter;
    private readonly Lock _gate = new();
    private readonly string _share;
    private readonly Process _qemu;
    private readonly StringBuilder _qemuOutput = new();
    private readonly Action<string> _log;
    private Process? _watchdog;
    private int _seq;
    private bool _broken;
    private bool _disposed;

    private TestVm(TestVmOptions options, string vmDir, Process qemu, Action<string> log)
    {
        Options = options;
        VmDir = vmDir;
        _share = Path.Combine(vmDir, "share");
        _qemu = qemu;
        _log = log;
    }

    public TestVmOptions Options { get; }

    public Firmware Firmware => Options.Firmware;

    /// <summary>The host directory of this VM (share/, disks/, serial.log); deleted by <see cref="Dispose"/> unless MKCDREC_TESTVM_KEEP=1.</summary>
    public string VmDir { get; }

    public string SerialLogPath => Path.Combine(VmDir, "serial.log");

    /// <summary>From starting QEMU to the agent's ready marker.</summary>
    public TimeSpan BootTime { get; private set; }

    /// <summary>The guest's scratch disk devices in the order of <see cref="TestVmOptions.Disks"/> (/dev/vdb, ...).</summary>
    public IReadOnlyList<string> ScratchDisks { get; private set; } = [];

    /// <summary>The guest kernel release (uname -r).</summary>
    public string KernelVersion { get; private set; } = "";

    /// <summary>Host paths of the scratch disk images (sparse raw files).</summary>
    public IReadOnlyList<string> DiskImages =>
        Enumerable.Range(0, Options.Disks.Count).Select(i => Path.Combine(VmDir, "disks", $"scratch{i}.img")).ToArray();

    /// <summary>Boots a guest and waits until its agent is ready. Builds the guest image first when it is not cached.</summary>
    public static TestVm Start(TestVmOptions? options = null)
    {
        options ??= new TestVmOptions();
        var log = options.Log ?? Console.Error.WriteLine;
        var image = GuestImage.Ensure(log);

        var binary = options.MkcdrecBinary ?? RepoPaths.MkcdrecBinary;
        if (options.RequireMkcdrec && !File.Exists(binary))
        {
            throw new TestVmException($"The mkcdrec binary {binary} is missing: run ./build.sh first (it publishes out/linux-x64/mkcdrec).");
        }

        var vmDir = CreateVmDir();
        var share = Path.Combine(vmDir, "share");
        foreach (var d in new[] { "queue", "out", "bin", "files", "xfer" })
        {
            Directory.CreateDirectory(Path.Combine(share, d));
        }

        File.Copy(Path.Combine(RepoPaths.TestVmDir, "guest-agent.sh"), Path.Combine(share, "guest-agent.sh"));
        if (File.Exists(binary))
        {
            var dest = Path.Combine(share, "bin", "mkcdrec");
            File.Copy(binary, dest);
            if (OperatingSystem.IsLinux())
            {
                File.SetUnixFileMode(dest, (UnixFileMode)0b111_101_101);
            }
        }

        foreach (var (guestRel, hostPath) in options.ExtraFiles)
        {
            CopyTree(hostPath, Path.Combine(share, guestRel.TrimStart('/')));
        }

        // In a network namespace of the test's (a server only it runs), QEMU's user network reaches that namespace's loopback.
        var psi = new ProcessStartInfo(options.NetworkNamespace is null ? "bash" : "ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        var prefix = options.NetworkNamespace is { } ns ? new[] { "netns", "exec", ns, "bash" } : [];
        foreach (var a in prefix.Concat([Path.Combine(RepoPaths.TestVmDir, "start-vm.sh"), vmDir, "--image", image]))
        {
            psi.ArgumentList.Add(a);
        }

        psi.ArgumentList.Add(options.Firmware == Firmware.Uefi ? "--uefi" : "--bios");
        psi.ArgumentList.Add("--memory");
        psi.ArgumentList.Add(options.MemoryMiB.ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add("--cpus");
        psi.ArgumentList.Add(options.Cpus.ToString(CultureInfo.InvariantCulture));
        if (options.UserNetwork)
        {
            psi.ArgumentList.Add("--user-net");
        }

        foreach (var size in options.Disks)
        {
            psi.ArgumentList.Add("--disk");
            psi.ArgumentList.Add(size.ToString(CultureInfo.InvariantCulture));
        }

        var sw = Stopwatch.StartNew();
        var qemu = Process.Start(psi) ?? throw new TestVmException("cannot start testvm/start-vm.sh");
        var vm = new TestVm(options, vmDir, qemu, log);
        qemu.OutputDataReceived += (_, e) => vm.AppendQemuOutput(e.Data);
        qemu.ErrorDataReceived += (_, e) => vm.AppendQemuOutput(e.Data);
        qemu.BeginOutputReadLine();
        qemu.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (!vm._disposed)
            {
                vm.Kill();
            }
        };
        try
        {
            vm.StartWatchdog();
            vm.WaitReady(sw, options.BootTimeout);
        }
        catch
        {
            vm.Dispose();
            throw;
        }

        log($"testvm: {options.Firmware} guest ready in {vm.BootTime.TotalSeconds:F1} s (kernel {vm.KernelVersion}, scratch disks: {string.Join(' ', vm.ScratchDisks)})");
        return vm;
    }

    /// <summary>Runs a bash script in the guest as root (cwd /root; PATH has mkcdrec and /sbin; $SCRATCH0.., $SCRATCH_DISKS set).
    /// Returns its exit code and output; a non-zero exit code is a result, not an exception. Throws <see cref="TimeoutException"/>
    /// when it runs longer than <paramref name="timeout"/> (the guest kills it and stays usable).</summary>
    public GuestResult Run(string bashScript, TimeSpan? timeout = null)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_broken)
            {
                throw new TestVmException("The guest stopped answering earlier in this run; see the serial log:\n" + SerialLogTail(30));
            }

            var limit = timeout ?? Options.DefaultCommandTimeout;
            var id = (++_seq).ToString("D6", CultureInfo.InvariantCulture);
            string Q(string name) => Path.Combine(_share, "queue", name);
            string O(string ext) => Path.Combine(_share, "out", id + ext);
            var seconds = Math.Max(1, (int)Math.Ceiling(limit.TotalSeconds));
            var script = $"# mkcdrec-testvm timeout={seconds.ToString(CultureInfo.InvariantCulture)}\n{bashScript}{(bashScript.EndsWith('\n') ? "" : "\n")}";
            File.WriteAllText(Q(id + ".sh.tmp"), script, new UTF8Encoding(false));
            var sw = Stopwatch.StartNew();
            File.Move(Q(id + ".sh.tmp"), Q(id + ".sh"));

            // The guest kills the command at the limit and 10 s later for good; allow that and the agent's latency on top.
            var hostDeadline = limit + TimeSpan.FromSeconds(60);
            var delay = 2;
            string? rcText = null;
            while ((rcText = ReadComplete(O(".rc"))) is null)
            {
                if (_qemu.HasExited)
                {
                    _broken = true;
                    throw new TestVmException($"The guest stopped (QEMU exit code {_qemu.ExitCode}) while running a command.\n{Diagnostics()}");
                }

                if (sw.Elapsed > hostDeadline)
                {
                    _broken = true;
                    throw new TimeoutException($"The guest did not answer within {hostDeadline.TotalSeconds:F0} s (command limit {seconds} s); it is marked broken.\n" +
                        $"--- output so far:\n{GuestResult.Tail(ReadOrEmpty(O(".out")))}\n{GuestResult.Tail(ReadOrEmpty(O(".err")))}\n{Diagnostics()}");
                }

                Thread.Sleep(delay);
                delay = Math.Min(delay * 2, 20);
            }

            sw.Stop();
            var result = new GuestResult(
                int.Parse(rcText, CultureInfo.InvariantCulture), ReadOrEmpty(O(".out")), ReadOrEmpty(O(".err")), sw.Elapsed);
            var diag = ReadOrEmpty(O(".diag"));
            foreach (var path in new[] { O(".rc"), O(".out"), O(".err"), O(".diag"), Q(id + ".sh") })
            {
                File.Delete(path);
            }

            if (result.ExitCode == 124 && sw.Elapsed >= limit)
            {
                throw new TimeoutException($"The guest command ran longer than {seconds} s and was killed.\n{result}\n--- script:\n{GuestResult.Tail(bashScript, 2000)}"
                    + $"\n--- the guest's processes at the limit:\n{GuestResult.Tail(diag, 6000)}");
            }

            return result;
        }
    }

    /// <summary>Like <see cref="Run"/>, but a non-zero exit code throws <see cref="GuestCommandException"/> with the output.</summary>
    public GuestResult RunChecked(string bashScript, TimeSpan? timeout = null)
    {
        var r = Run(bashScript, timeout);
        return r.ExitCode == 0 ? r : throw new GuestCommandException(bashScript, r);
    }

    /// <summary>Copies a host file or directory into the guest's /job/files/ and returns its guest path (shared over 9p, so nothing is copied twice).</summary>
    public string CopyIn(string hostPath, string? name = null)
    {
        name ??= Path.GetFileName(Path.TrimEndingDirectorySeparator(hostPath));
        CopyTree(hostPath, Path.Combine(_share, "files", name));
        return $"{GuestJobDir}/files/{name}";
    }

    /// <summary>Copies a guest file or directory to a host path (replacing it).</summary>
    public void CopyOut(string guestPath, string hostPath)
    {
        var tag = "x" + Interlocked.Increment(ref _counter).ToString(CultureInfo.InvariantCulture);
        RunChecked($"cp -a -- {Quote(guestPath)} {GuestJobDir}/xfer/{tag}");
        var src = Path.Combine(_share, "xfer", tag);
        DeletePath(hostPath);
        var parent = Path.GetDirectoryName(Path.GetFullPath(hostPath));
        if (parent is not null)
        {
            Directory.CreateDirectory(parent);
        }

        if (Directory.Exists(src))
        {
            Directory.Move(src, hostPath);
        }
        else
        {
            File.Move(src, hostPath);
        }
    }

    /// <summary>
    /// Makes every scratch disk blank again without rebooting: unmounts what lives on them, stops swap, loop devices, LVM,
    /// dm (LUKS), bcache and md arrays, discards the disks (the host files become holes that read as zeros), and checks that no
    /// partition or signature is left. Call between cases that share one guest.
    /// </summary>
    public void WipeDisks() => RunChecked(WipeScript, TimeSpan.FromMinutes(5));

    /// <summary>The last lines of the guest's serial console (kernel messages, agent progress).</summary>
    public string SerialLogTail(int lines = 40)
    {
        try
        {
            using var fs = new FileStream(SerialLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(fs, Encoding.UTF8);
            var all = reader.ReadToEnd().Replace("\r", "", StringComparison.Ordinal).Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"(no serial log: {e.Message})";
        }
    }

    /// <summary>Single-quotes a string for bash.</summary>
    public static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Powers the guest off (kills QEMU after 15 s) and deletes its directory and disks.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        try
        {
            if (!_qemu.HasExited && !_broken)
            {
                File.WriteAllText(Path.Combine(_share, "queue", "poweroff"), "");
                _qemu.WaitForExit(TimeSpan.FromSeconds(15));
            }
        }
        catch (IOException)
        {
        }

        Kill();
        _qemu.Dispose();
        if (Environment.GetEnvironmentVariable("MKCDREC_TESTVM_KEEP") == "1")
        {
            _log($"testvm: kept {VmDir} (MKCDREC_TESTVM_KEEP=1)");
        }
        else
        {
            DeletePath(VmDir);
        }
    }

    private void Kill()
    {
        try
        {
            if (!_qemu.HasExited)
            {
                _qemu.Kill(entireProcessTree: true);
                _qemu.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
        }

        try
        {
            if (_watchdog is { HasExited: false })
            {
                _watchdog.Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private void AppendQemuOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_qemuOutput)
        {
            if (_qemuOutput.Length < 64 * 1024)
            {
                _qemuOutput.AppendLine(line);
            }
        }
    }

    private string Diagnostics()
    {
        string q;
        lock (_qemuOutput)
        {
            q = _qemuOutput.ToString();
        }

        return $"--- QEMU output:\n{q}--- serial console ({SerialLogPath}), last lines:\n{SerialLogTail(40)}";
    }

    /// <summary>Kills QEMU if this test process dies without disposing the VM (a crash, a kill -9 of the test runner).</summary>
    private void StartWatchdog()
    {
        var psi = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardInput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("while kill -0 \"$1\" 2>/dev/null && kill -0 \"$2\" 2>/dev/null; do sleep 2; done; kill -9 \"$2\" 2>/dev/null; exit 0");
        psi.ArgumentList.Add("testvm-watchdog");
        psi.ArgumentList.Add(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add(_qemu.Id.ToString(CultureInfo.InvariantCulture));
        _watchdog = Process.Start(psi);
    }

    private void WaitReady(Stopwatch sw, TimeSpan timeout)
    {
        var ready = Path.Combine(_share, "ready");
        while (!File.Exists(ready))
        {
            if (_qemu.WaitForExit(50))
            {
                throw new TestVmException($"The guest stopped before it was ready (QEMU exit code {_qemu.ExitCode}).\n{Diagnostics()}");
            }

            if (sw.Elapsed > timeout)
            {
                throw new TestVmException($"The guest was not ready after {timeout.TotalSeconds:F0} s.\n{Diagnostics()}");
            }
        }

        BootTime = sw.Elapsed;
        foreach (var line in File.ReadAllLines(ready))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                continue;
            }

            var (key, value) = (line[..eq], line[(eq + 1)..]);
            if (key == "kernel")
            {
                KernelVersion = value;
            }
            else if (key == "scratch")
            {
                ScratchDisks = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            }
        }

        if (ScratchDisks.Count != Options.Disks.Count)
        {
            throw new TestVmException($"The guest sees {ScratchDisks.Count} scratch disks ({string.Join(' ', ScratchDisks)}), not {Options.Disks.Count}.\n{Diagnostics()}");
        }
    }

    private static string TempRoot =>
        Environment.GetEnvironmentVariable("MKCDREC_TESTVM_TMP") is { Length: > 0 } t ? t : "/var/tmp/mkcdrec-testvm";

    private static string CreateVmDir()
    {
        Directory.CreateDirectory(TempRoot);
        // VM directories of test processes that died without cleaning up (their pid is gone) are removed here.
        foreach (var stale in Directory.GetDirectories(TempRoot, "vm-*"))
        {
            var parts = Path.GetFileName(stale).Split('-');
            if (parts.Length >= 2 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var pid) && pid != Environment.ProcessId
                && !Directory.Exists($"/proc/{pid}"))
            {
                DeletePath(stale);
            }
        }

        var n = Interlocked.Increment(ref _counter);
        var dir = Path.Combine(TempRoot, $"vm-{Environment.ProcessId}-{n}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static void CopyTree(string src, string dest)
    {
        var parent = Path.GetDirectoryName(dest);
        if (parent is not null)
        {
            Directory.CreateDirectory(parent);
        }

        if (Directory.Exists(src))
        {
            Directory.CreateDirectory(dest);
            foreach (var entry in Directory.EnumerateFileSystemEntries(src))
            {
                CopyTree(entry, Path.Combine(dest, Path.GetFileName(entry)));
            }
        }
        else if (File.Exists(src))
        {
            File.Copy(src, dest, overwrite: true);
            if (OperatingSystem.IsLinux())
            {
                File.SetUnixFileMode(dest, File.GetUnixFileMode(src));
            }
        }
        else
        {
            throw new FileNotFoundException($"testvm: {src} does not exist", src);
        }
    }

    /// <summary>The exit code file's number once it is completely written (the guest writes "N\n" in one write), else null.</summary>
    private static string? ReadComplete(string path)
    {
        try
        {
            var text = File.ReadAllText(path);
            return text.EndsWith('\n') ? text.Trim() : null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path, Encoding.UTF8);
        }
        catch (FileNotFoundException)
        {
            return "";
        }
    }

    private static void DeletePath(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }
                else if (File.Exists(path))
                {
                    File.Delete(path);
                }

                return;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(200);
            }
        }
    }

    // Forks as few programs as it can (each exec costs ~80 ms under TCG): state is read from /proc and /sys with bash.
    private const string WipeScript = """
        set -u
        disks="$SCRATCH_DISKS"
        [ -n "$disks" ] || exit 0
        shopt -s nullglob
        changed=0
        # 1. unmount, latest mount first, whatever lives on a scratch disk or a device stacked on one (the root is /dev/vda)
        targets=()
        while read -r src tgt _; do
            case $src in /dev/vd[b-z]*|/dev/md*|/dev/dm-*|/dev/mapper/*|/dev/loop*|/dev/bcache*) targets=("$(printf '%b' "$tgt")" "${targets[@]}") ;; esac
        done </proc/mounts
        for m in "${targets[@]}"; do umount -f "$m" 2>/dev/null || umount -l "$m"; changed=1; done
        # 2. swap, loop devices
        while read -r name _; do
            case $name in /dev/*) swapoff "$name"; changed=1 ;; esac
        done </proc/swaps
        loops=(/sys/block/loop*/loop/backing_file)
        [ ${#loops[@]} -gt 0 ] && { losetup -D; changed=1; }
        # 3. dm (LVM, LUKS), bcache and md; stacks can nest, so repeat while any is left
        for round in 1 2 3 4; do
            dms=(/sys/block/dm-*) mds=(/sys/block/md*) bcs=(/sys/block/bcache*) csets=(/sys/fs/bcache/*-*)
            [ ${#dms[@]} -eq 0 ] && [ ${#mds[@]} -eq 0 ] && [ ${#bcs[@]} -eq 0 ] && [ ${#csets[@]} -eq 0 ] && break
            changed=1
            [ ${#dms[@]} -gt 0 ] && dmsetup remove_all --force >/dev/null 2>&1
            if [ ${#bcs[@]} -gt 0 ] || [ ${#csets[@]} -gt 0 ]; then
                # bcache stops asynchronously: stop the devices, unregister the cache sets, wait until both are gone
                for b in "${bcs[@]}"; do echo 1 >"$b/bcache/stop" 2>/dev/null; done
                for c in "${csets[@]}"; do echo 1 >"$c/unregister" 2>/dev/null; done
                for i in {1..50}; do
                    bcs=(/sys/block/bcache*) csets=(/sys/fs/bcache/*-*)
                    [ ${#bcs[@]} -eq 0 ] && [ ${#csets[@]} -eq 0 ] && break
                    sleep 0.2
                done
            fi
            if [ ${#mds[@]} -gt 0 ]; then
                mdadm --stop --scan >/dev/null 2>&1
                for md in /sys/block/md*; do mdadm --stop "/dev/${md##*/}" >/dev/null 2>&1; done
            fi
        done
        # 4. discard every disk: the host's sparse file gets holes that read as zeros
        for d in $disks; do
            n=${d#/dev/}
            blkdiscard -f "$d" 2>/dev/null || {
                size=$(blockdev --getsz "$d")
                dd if=/dev/zero of="$d" bs=1M count=4 conv=fsync status=none
                dd if=/dev/zero of="$d" bs=512 seek=$((size - 8192)) count=8192 conv=fsync status=none
            }
            # The kernel drops the partitions only when none is open: udev's probing after the discard can hold one
            # for a moment (a CI run saw vdc1 vdc2 vdc4 left), so settle and try again.
            parts=(/sys/block/$n/$n*)
            for i in {1..25}; do
                [ ${#parts[@]} -eq 0 ] && break
                changed=1
                udevadm settle --timeout=5 2>/dev/null
                blockdev --rereadpt "$d" 2>/dev/null || partx -d "$d" 2>/dev/null
                parts=(/sys/block/$n/$n*)
                [ ${#parts[@]} -eq 0 ] || sleep 0.2
            done
        done
        [ $changed = 1 ] && udevadm settle --timeout=30 2>/dev/null
        lvm_state=(/etc/lvm/devices/system.devices /etc/lvm/backup/* /etc/lvm/archive/*)
        [ ${#lvm_state[@]} -gt 0 ] && rm -f "${lvm_state[@]}"
        # 5. check: no partition, no holder, a zero first MiB
        left=""
        for d in $disks; do
            n=${d#/dev/}
            parts=(/sys/block/$n/$n*) holders=(/sys/block/$n/holders/*)
            [ ${#parts[@]} -eq 0 ] || left="$left $d:partitions(${parts[*]##*/})"
            [ ${#holders[@]} -eq 0 ] || left="$left $d:holders(${holders[*]##*/})"
            cmp -s -n 1048576 "$d" /dev/zero || left="$left $d:first-MiB-not-zero"
        done
        if [ -n "$left" ]; then echo "WipeDisks: not blank:$left" >&2; cat /proc/mdstat >&2; dmsetup ls >&2; lsblk >&2; exit 1; fi
        """;
}
