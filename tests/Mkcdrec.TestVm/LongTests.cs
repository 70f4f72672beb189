namespace Mkcdrec.TestVm;

/// <summary>
/// The long guest suites (the end-to-end recoveries of the reference system, the ISO drill) take tens of minutes under
/// TCG. (The recreate matrix and its refusals run in the default system tier: docs/testing.md.) They run when MKCDREC_LONG_TESTS=1 (docs/testing.md); otherwise they are
/// reported as skipped, never as passed, and their fixtures start no virtual machine.
/// </summary>
public static class LongTests
{
    public static bool Enabled => Environment.GetEnvironmentVariable("MKCDREC_LONG_TESTS") == "1";

    public const string Reason = "long guest suite: set MKCDREC_LONG_TESTS=1 to run it";
}
