using System.CommandLine;
using Mkcdrec.Cli.Commands;
using Mkcdrec.Cli.Reference;

namespace Mkcdrec.Cli;

/// <summary>The whole command line: global options and the one explicit list of verbs (no reflection: NativeAOT-safe).</summary>
internal static class CommandTree
{
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "mkcdrec — bare-metal disaster recovery for Linux.\n" +
            "Captures the storage layout, backs the filesystems up and writes a bootable rescue medium that brings the machine back.");
        root.Add(GlobalOptions.Json);
        root.Add(GlobalOptions.Verbose);
        root.Add(GlobalOptions.LogFile);
        root.Add(GlobalOptions.Config);
        root.Add(LayoutCommands.Build());
        root.Add(MediaCommands.MkBackup());
        root.Add(MediaCommands.MkRescue());
        root.Add(BackupCommands.MkBackupOnly());
        root.Add(ArchiveCommands.Verify());
        root.Add(FetchCommands.Build());
        root.Add(BackupsCommands.Build());
        root.Add(RecoverCommands.Build());
        root.Add(MountCommands.Mount());
        root.Add(MountCommands.Umount());
        root.Add(MountCommands.RepairBoot());
        root.Add(DrillCommands.Build());
        root.Add(ServeCommands.Build());
        root.Add(ReportCommands.Build());
        root.Add(ArchiveCommands.Archive());
        root.Add(ConfigCommands.Build());
        root.Add(ScheduledCommands.Build());
        root.Add(ReferenceCommands.Build());
        return root;
    }
}
