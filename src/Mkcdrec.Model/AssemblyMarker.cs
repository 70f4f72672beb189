namespace Mkcdrec.Model; internal static class AssemblyMarker { }
