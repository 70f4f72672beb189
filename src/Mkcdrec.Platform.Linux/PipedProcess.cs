using System.Diagnostics;
using System.Text;
using Mkcdrec.Core;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Platform.Linux;

/// <summary>A program with its standard input and output as byte streams; standard error collected on the side.</summary>
internal sealed class PipedProcess : IPipedProcess
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    public PipedProcess(ProcessRequest request, ILog log)
    {
        var exe = ProcessRunner.Resolve(request.FileName)
            ?? throw new MkcdrecException(ExitCode.Environment, $"The program '{request.FileName}' is needed but was not found in PATH.",
                $"Install the package that provides '{request.FileName}' and run the command again.");
        var psi = new ProcessStartInfo(exe) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in request.Arguments)
        {
            psi.ArgumentList.Add(a);
        }

        log.Info("start: " + request.CommandLine);
        _process = Process.Start(psi) ?? throw new MkcdrecException(ExitCode.Environment, $"Cannot start {request.CommandLine}.", "Check the program and run again.");
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(line);
                }
            }
        };
        _process.BeginErrorReadLine();
    }

    public Stream Input => _process.StandardInput.BaseStream;

    public Stream Output => _process.StandardOutput.BaseStream;

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        _process.WaitForExit(); // standard error read to its end
        return true;
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Dispose();
        }
        catch (IOException)
        {
        }

        if (!_process.WaitForExit(5000))
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
        _process.Dispose();
    }
}
