using System.Diagnostics;
using System.Text;
using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Platform.Linux;

/// <summary>Runs QEMU (the command line of <see cref="QemuCommandLine"/>) and reads its serial console from standard output.</summary>
public sealed class QemuHost : IVirtualMachineHost
{
    private readonly ILog _log;
    private readonly ProcessRunner _which;

    public QemuHost(ILog log)
    {
        _log = log;
        _which = new ProcessRunner(log);
    }

    public bool IsAvailable(MachineArchitecture architecture, out string? problem)
    {
        var program = QemuCommandLine.ProgramFor(architecture);
        problem = _which.CanRun(program) ? null : $"{program} is not installed.";
        return problem is null;
    }

    public IVirtualMachine Start(VmSpec spec)
    {
        var args = QemuCommandLine.Build(spec);
        var program = QemuCommandLine.ProgramFor(spec.Architecture);
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        _log.Info("starting: " + new ProcessRequest(program, args).CommandLine);
        var p = Process.Start(psi) ?? throw new InvalidOperationException("QEMU did not start.");
        return new QemuMachine(p, spec.SerialLog, _log);
    }

    private sealed class QemuMachine : IVirtualMachine
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];
        private readonly object _gate = new();
        private readonly Thread _reader;
        private readonly StringBuilder _stderr = new();
        private readonly ILog _log;
        private readonly List<byte> _pending = new(256);
        private bool _eof;

        public QemuMachine(Process process, string? serialLog, ILog log)
        {
            _process = process;
            _log = log;
            var logFile = serialLog is null ? null : new FileStream(serialLog, FileMode.Create, FileAccess.Write, FileShare.Read);
            _reader = new Thread(() => Read(logFile)) { IsBackground = true, Name = "qemu-console" };
            _reader.Start();
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { } d)
                {
                    lock (_stderr)
                    {
                        _stderr.AppendLine(d);
                    }
                }
            };
            _process.BeginErrorReadLine();
        }

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_gate)
                {
                    return _lines.ToArray();
                }
            }
        }

        public (int Index, string Text) PendingLine
        {
            get
            {
                lock (_gate)
                {
                    return (_lines.Count, Encoding.UTF8.GetString(_pending.ToArray()));
                }
            }
        }

        public bool HasExited => _process.HasExited;

        private void Read(FileStream? logFile)
        {
            var stream = _process.StandardOutput.BaseStream;
            var buffer = new byte[8192];
            try
            {
                int n;
                while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    logFile?.Write(buffer, 0, n);
                    logFile?.Flush();
                    Split(buffer.AsSpan(0, n));
                }

                lock (_gate)
                {
                    if (_pending.Count > 0)
                    {
                        AddPending();
                    }
                }
            }
            finally
            {
                logFile?.Dispose();
                lock (_gate)
                {
                    _eof = true;
                    Monitor.PulseAll(_gate);
                }
            }
        }

        /// <summary>Completes lines at each newline (carriage returns dropped); the rest stays pending, where a prompt is seen.</summary>
        private void Split(ReadOnlySpan<byte> bytes)
        {
            lock (_gate)
            {
                foreach (var b in bytes)
                {
                    if (b == (byte)'\n')
                    {
                        AddPending();
                    }
                    else if (b != (byte)'\r')
                    {
                        _pending.Add(b);
                    }
                }

                Monitor.PulseAll(_gate);
            }
        }

        private void AddPending()
        {
            _lines.Add(Encoding.UTF8.GetString(_pending.ToArray()));
            _pending.Clear();
        }

        public int WaitForLine(Func<string, bool> match, int from, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            lock (_gate)
            {
                var i = Math.Max(0, from);
                while (true)
                {
                    for (; i < _lines.Count; i++)
                    {
                        if (match(_lines[i]))
                        {
                            return i;
                        }
                    }

                    var left = deadline - DateTime.UtcNow;
                    if (_eof || left <= TimeSpan.Zero)
                    {
                        return -1;
                    }

                    Monitor.Wait(_gate, left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
                }
            }
        }

        public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

        public void Send(string text)
        {
            _process.StandardInput.Write(text);
            _process.StandardInput.Flush();
        }

        private bool _disposed;

        public void Kill()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
            }
        }

        public void Dispose()
        {
            // Idempotent: a caller may end the machine early and its using block disposes it again.
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Kill();
            _process.WaitForExit(5000);
            _reader.Join(TimeSpan.FromSeconds(5));
            string err;
            lock (_stderr)
            {
                err = _stderr.ToString().Trim();
            }

            if (err.Length > 0)
            {
                _log.Debug("qemu stderr: " + err);
            }

            _process.Dispose();
        }
    }
}
