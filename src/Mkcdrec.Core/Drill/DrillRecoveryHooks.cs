using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Recovery;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Drill;

/// <summary>
/// The drill's part of an unattended recovery on scratch disks (`recover --drill`): compares each restored
/// filesystem with the manifest and reports it on the console, installs the first-boot check into the finalized
/// system, and reports the recovery's phase times (docs/drill.md).
/// </summary>
public sealed class DrillRecoveryHooks(IFileSystemAccess fs, string backupDirectory, string? binary = null) : IRecoveryHooks
{
    /// <summary>The phase name of the comparison after each restore (not part of a recovery's time).</summary>
    public const string ComparePhase = "drill compare";

    public string AfterRestorePhase => ComparePhase;

    public void PhaseStarted(string phase, RecoveryOutput output) => output.Show?.Invoke(DrillProtocol.Line(DrillProtocol.PhaseStarted, phase));

    private readonly List<ArchiveRecord> _restored = [];

    public void AfterRestore(ArchiveRecord archive, string directory, RecoveryOutput output)
    {
        _restored.Add(archive);
        var compared = new DrillCheck(fs).CompareOne(backupDirectory, archive, directory);
        output.Show?.Invoke(DrillProtocol.Line(DrillProtocol.RestoreCompare, compared.ToJson()));
    }

    public void AfterFinalize(string targetRoot, IReadOnlyList<string> written, RecoveryOutput output)
    {
        // The host's judgement expects these changed after the boot: written by the recovery, not lost by the backup.
        output.Show?.Invoke(DrillProtocol.Line(DrillProtocol.FinalizeWrote, DrillProtocol.PathsToJson([.. written])));
        DrillCheck.InstallFirstBootCheck(targetRoot, backupDirectory, binary ?? Environment.ProcessPath
            ?? throw new MkcdrecException(ExitCode.Internal, "The path of the mkcdrec binary is unknown.", "Run mkcdrec from a file, not a pipe."), fs, _restored);
        output.Say("drill: first-boot check installed (" + DrillCheck.UnitName + ")");
    }

    public void Finished(RecoverResult result, RecoveryOutput output) =>
        output.Show?.Invoke(DrillProtocol.Line(DrillProtocol.RecoveryPhases,
            DrillPhase.ListToJson([.. result.Phases.Select(p => new DrillPhase { Name = p.Phase, Seconds = Math.Round(p.Elapsed.TotalSeconds, 1) })])));
}
