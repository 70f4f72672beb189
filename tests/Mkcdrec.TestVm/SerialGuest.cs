using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Mkcdrec.TestVm;

/// <summary>
/// A QEMU guest (any kernel, initramfs or medium) driven over its serial console, which is QEMU's stdin/stdout
/// (<c>-serial stdio</c>): wait for text with <see cref="WaitFor"/>, type with <see cref="Send"/>, and — when started
/// with a monitor socket — change media with <see cref="Monitor"/>. Used by the tests that boot the rescue system and
/// its media (the menu reads the serial console). <see cref="Dispose"/> kills QEMU; a watchdog kills it when the test
/// process dies first.
/// </summary>
public sealed class SerialGuest : IDisposable
{
    public const string OvmfCode = "/usr/share/OVMF/OVMF_CODE_4M.fd";
    public const string OvmfVars = "/usr/share/OVMF/OVMF_VARS_4M.fd";

    /// <summary>OVMF built with Secure Boot (it needs SMM) and variables with Microsoft's keys enrolled: Secure Boot enforced.</summary>
    public const string OvmfSecureBootCode = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd";

    public const string OvmfSecureBootVars = "/usr/share/OVMF/OVMF_VARS_4M.ms.fd";

    private readonly Process _p;
    private readonly StringBuilder _out = new();
    private readonly Thread _reader;
    private readonly Process? _watchdog;
    private bool _disposed;

    /// <param name="args">QEMU's arguments; they must include <c>-serial stdio</c> (see <see cref="BaseArguments"/>).</param>
    /// <param name="monitorSocket">The path of <c>-monitor unix:PATH,server,nowait</c> when the arguments have one.</param>
    /// <param name="networkNamespace">Run QEMU in this network namespace of the test's: the guest's 10.0.2.2 is its loopback.</param>
    public SerialGuest(IEnumerable<string> args, string? monitorSocket = null, string? networkNamespace = null)
    {
        MonitorSocket = monitorSocket;
        var psi = new ProcessStartInfo(networkNamespace is null ? "qemu-system-x86_64" : "ip")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        var prefix = networkNamespace is null ? [] : new[] { "netns", "exec", networkNamespace, "qemu-system-x86_64" };
        foreach (var a in prefix.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        _p = Process.Start(psi) ?? throw new TestVmException("qemu-system-x86_64 did not start");
        Started = Stopwatch.StartNew();
        _p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_out)
                {
                    _out.Append("[qemu] ").Append(e.Data).Append('\n');
                }
            }
        };
        _p.BeginErrorReadLine();
        _reader = new Thread(() =>
        {
            var buf = new byte[4096];
            var s = _p.StandardOutput.BaseStream;
            int n;
            while ((n = s.Read(buf, 0, buf.Length)) > 0)
            {
                lock (_out)
                {
                    _out.Append(Encoding.UTF8.GetString(buf, 0, n));
                }
            }
        }) { IsBackground = true };
        _reader.Start();

        var wd = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardInput = true };
        foreach (var a in new[]
                 {
                     "-c", "while kill -0 \"$1\" 2>/dev/null && kill -0 \"$2\" 2>/dev/null; do sleep 2; done; kill -9 \"$2\" 2>/dev/null; exit 0",
                     "serialguest-watchdog", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), _p.Id.ToString(CultureInfo.InvariantCulture),
                 })
        {
            wd.ArgumentList.Add(a);
        }

        _watchdog = Process.Start(wd);
    }

    /// <summary>Started when QEMU was.</summary>
    public Stopwatch Started { get; }

    public string? MonitorSocket { get; }

    /// <summary>Everything the serial console printed so far (and QEMU's stderr, lines prefixed "[qemu] ").</summary>
    public string Text
    {
        get
        {
            lock (_out)
            {
                return _out.ToString();
            }
        }
    }

    /// <summary>The current end of <see cref="Text"/>: wait for what comes after it.</summary>
    public int Mark
    {
        get
        {
            lock (_out)
            {
                return _out.Length;
            }
        }
    }

    public bool Exited => _p.HasExited;

    /// <summary>
    /// The common arguments: TCG with <c>-cpu max</c> (the NativeAOT binary needs x86-64-v2), no default devices, no
    /// display, the serial console on stdio, no reboot; <paramref name="firmware"/> Uefi adds q35 and OVMF with a copy of
    /// its variables at <paramref name="ovmfVarsCopy"/>; <paramref name="secureBoot"/> the Secure Boot OVMF with Microsoft's keys (enforced).
    /// </summary>
    public static List<string> BaseArguments(Firmware firmware, int memoryMiB = 1024, int cpus = 1, string? ovmfVarsCopy = null, bool secureBoot = false)
    {
        var args = new List<string>
        {
            "-accel", "tcg", "-cpu", "max", "-m", memoryMiB.ToString(CultureInfo.InvariantCulture), "-smp", cpus.ToString(CultureInfo.InvariantCulture),
            "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
        };
        if (firmware == Firmware.Uefi)
        {
            if (ovmfVarsCopy is null)
            {
                throw new ArgumentException("UEFI needs a path for the copy of the OVMF variables", nameof(ovmfVarsCopy));
            }

            File.Copy(secureBoot ? OvmfSecureBootVars : OvmfVars, ovmfVarsCopy, overwrite: true);
            args.AddRange(secureBoot
                ? ["-machine", "q35,smm=on", "-global", "driver=cfi.pflash01,property=secure,value=on", "-global", "ICH9-LPC.disable_s3=1",
                    "-drive", $"if=pflash,format=raw,unit=0,readonly=on,file={OvmfSecureBootCode}"]
                : ["-machine", "q35", "-drive", $"if=pflash,format=raw,unit=0,readonly=on,file={OvmfCode}"]);
            args.AddRange(["-drive", $"if=pflash,format=raw,unit=1,file={ovmfVarsCopy}"]);
        }
        else
        {
            args.AddRange(["-machine", "pc"]);
        }

        return args;
    }

    /// <summary>Waits until <paramref name="pattern"/> (multiline regex) matches the console output after <paramref name="from"/>.</summary>
    /// <exception cref="TimeoutException">Not seen in time, or QEMU exited; the message has the console's tail.</exception>
    public Match WaitFor(string pattern, int from, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        var re = new Regex(pattern, RegexOptions.Multiline);
        while (true)
        {
            var t = Text;
            var m = re.Match(t, Math.Min(from, t.Length));
            if (m.Success)
            {
                return m;
            }

            if (sw.Elapsed > timeout || _p.HasExited)
            {
                throw new TimeoutException($"Timed out ({(_p.HasExited ? "QEMU exited" : timeout.TotalSeconds + " s")}) waiting for /{pattern}/ on the serial console. Its tail:\n" +
                                           Tail(t[Math.Min(from, t.Length)..], 4000));
            }

            Thread.Sleep(100);
        }
    }

    /// <summary>Types <paramref name="text"/> on the serial console.</summary>
    public void Send(string text)
    {
        _p.StandardInput.Write(text);
        _p.StandardInput.Flush();
    }

    /// <summary>Sends one command to the QEMU monitor (e.g. <c>change cd2 /path/to.iso</c>) and returns what it answered.</summary>
    public string Monitor(string command)
    {
        if (MonitorSocket is null)
        {
            throw new InvalidOperationException("this guest was started without a monitor socket");
        }

        using var sock = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        sock.Connect(new UnixDomainSocketEndPoint(MonitorSocket));
        sock.ReceiveTimeout = 2000;
        sock.Send(Encoding.UTF8.GetBytes(command + "\n"));
        var answer = new StringBuilder();
        var buf = new byte[4096];
        var sw = Stopwatch.StartNew();
        try
        {
            // the banner and its prompt, the echoed command and its answer, then the next "(qemu) " prompt
            while (sw.Elapsed < TimeSpan.FromSeconds(10))
            {
                var n = sock.Receive(buf);
                if (n <= 0)
                {
                    break;
                }

                answer.Append(Encoding.UTF8.GetString(buf, 0, n));
                if (Regex.Count(answer.ToString(), Regex.Escape("(qemu)")) >= 2)
                {
                    break;
                }
            }
        }
        catch (SocketException)
        {
        }

        return answer.ToString();
    }

    /// <summary>Waits for QEMU to exit; then <see cref="Text"/> has all its output.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_p.WaitForExit(timeout))
        {
            return false;
        }

        _reader.Join(TimeSpan.FromSeconds(5));
        return true;
    }

    /// <summary>The end of console text, printable (<see cref="ReportText"/>): for test output and messages.</summary>
    public static string Tail(string s, int n) => ReportText.Printable(s.Length <= n ? s : s[^n..]);

    /// <summary>Stops QEMU; a second call does nothing (a test may stop a guest early inside its own using).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (!_p.HasExited)
            {
                _p.Kill(entireProcessTree: true);
                _p.WaitForExit(10_000);
            }

            _reader.Join(TimeSpan.FromSeconds(5));
        }
        finally
        {
            _p.Dispose();
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

            _watchdog?.Dispose();
        }
    }
}
