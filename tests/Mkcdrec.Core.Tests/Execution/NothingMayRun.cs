using Mkcdrec.Core.Execution;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Tests.Execution;

/// <summary>Fails the test at the first command or block device write: nothing may run (a refusal must come first).</summary>
internal sealed class NothingMayRun : IProcessRunner, IBlockDevices
{
    public List<string> Touched { get; } = [];

    public ProcessResult Run(ProcessRequest request)
    {
        // Planning reads the identifiers already on the machine: a read, not a touch; nothing found (blkid's exit 2).
        if (request.FileName == "blkid")
        {
            return new ProcessResult(2, "", "", TimeSpan.Zero);
        }

        // And the volume groups the machine sees (pvs): none.
        if (request.FileName == "pvs")
        {
            return new ProcessResult(0, "", "", TimeSpan.Zero);
        }

        Touched.Add(request.CommandLine);
        throw new InvalidOperationException("ran " + request.CommandLine);
    }

    public bool CanRun(string program) => true;

    public (long SizeBytes, int LogicalSectorSize) Probe(string device) => (10L << 30, 512);

    public Stream OpenForWrite(string device)
    {
        Touched.Add("write " + device);
        throw new InvalidOperationException("wrote " + device);
    }

    public bool RereadPartitions(string device) => true;

    public bool WaitForDevices(IReadOnlyList<string> paths, TimeSpan timeout) => true;
}
