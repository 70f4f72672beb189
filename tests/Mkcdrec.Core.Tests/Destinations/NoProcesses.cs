using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Tests.Destinations;

/// <summary>A runner for workflows that must start no program (a backup of a plain directory tree).</summary>
internal sealed class NoProcesses : IProcessRunner
{
    public ProcessResult Run(ProcessRequest request) => throw new InvalidOperationException("no process expected: " + request.CommandLine);

    public bool CanRun(string program) => false;
}
