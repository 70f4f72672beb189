using System.Globalization;
using Mkcdrec.TestVm;

namespace Mkcdrec.MatrixTests;

/// <summary>
/// One row per recovered case and size: the time of each phase and the sizes, printed and appended to
/// TestResults/matrix-table.md (a Markdown table for docs/ and the closing note).
/// </summary>
public static class MatrixTable
{
    private static readonly Lock Gate = new();

    public const string Header = "| case | targets | mkbackup | ISO | rescue boot | recovery | (restore) | (finalize) | first boot | QEMU start → recovered up |\n"
        + "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |";

    public static void Add(string caseName, string tag, DrillRun drill, double mkbackupSeconds, long isoBytes, IReadOnlyList<long> disks)
    {
        double Phase(string name) => drill.Phases.Where(p => p.Name == name).Sum(p => p.Seconds);
        double Inside(string prefix) => drill.RecoveryPhases.Where(p => p.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).Sum(p => p.Seconds);
        var row = string.Create(CultureInfo.InvariantCulture,
            $"| {caseName} | {tag}: {string.Join(" + ", disks.Select(d => $"{d / 1048576} MiB"))} | {mkbackupSeconds:0.0} s | {isoBytes / 1048576.0:0} MiB | "
            + $"{Phase("rescue system boot"):0.0} s | {Phase("recovery"):0.0} s | {Inside("restore"):0.0} s | {Inside("finalize"):0.0} s | "
            + $"{Phase("first boot"):0.0} s | {drill.RecoveredUpSeconds:0.0} s |");
        lock (Gate)
        {
            var file = Path.Combine(RepoPaths.Root, "TestResults", "matrix-table.md");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            if (!File.Exists(file))
            {
                File.WriteAllText(file, Header + "\n");
            }

            File.AppendAllText(file, row + "\n");
        }

        MatrixCase.Log(row);
    }
}
