// Where the module's dependencies come from.
//
// Layout of the built module:
//   BillingPowerShell.dll                 the cmdlets (netstandard2.0; loaded by PowerShell into the default context)
//   dependencies/netstandard2.0/*.dll     the engine's netstandard2.0 build and every third-party DLL resolved for
//                                         netstandard2.0
//   dependencies/net8.0/*.dll             the engine's net8.0 build and its third-party DLLs resolved for net8.0
//                                         (minus what the .NET 8 runtime provides), e.g. CsvHelper's SIMD build
//
// One of the two folders is chosen once, when this assembly is first used (EngineBuild): .NET Framework (Windows
// PowerShell 5.1) and .NET before 8 (PowerShell 7.0-7.3) take netstandard2.0; .NET 8 or newer (PowerShell 7.4+) takes
// net8.0. The environment variable BILLINGPOWERSHELL_ENGINE_BUILD=netstandard2.0|net8.0 overrides that choice (a
// diagnostic switch; the tests use it to run the netstandard2.0 build on PowerShell 7); a value that is not one of
// the two, or net8.0 where .NET 8 is not running, is ignored. Both engine builds have the same assembly name, version
// and public API, so the cmdlet assembly (compiled against the netstandard2.0 build) binds to either.
//
// PowerShell 7 (.NET): BillingPowerShell.Engine is loaded into our own AssemblyLoadContext (DependencyLoadContext),
// and everything the engine references resolves inside that context first. Another module's Azure.Core or
// Azure.Identity in the default context (Az.Accounts, Microsoft.Graph, an Add-Type) therefore never meets ours, in
// either import order. Only the engine crosses the boundary: the default context's Resolving event hands out
// BillingPowerShell.Engine and nothing else, so we never push our Azure.Core onto other modules either
// (the pattern of PowerShell-Docs' resolving-dependency-conflicts.md and of AzAuth/PSResourceGet).
//
// Windows PowerShell 5.1 (.NET Framework): there is one load context, so the best available is an
// AppDomain.AssemblyResolve handler that loads from dependencies/netstandard2.0/ with Assembly.LoadFrom (never
// LoadFile, which would load duplicates without binding context). Designed for; not testable on this Linux build
// machine.
using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;

namespace BillingPowerShell.Loader
{
    internal static class DependencyResolver
    {
        /// <summary>The only assembly handed from the default context to ours: the bridge to everything else.</summary>
        internal const string EngineAssemblyName = "BillingPowerShell.Engine";

        /// <summary>The environment variable that overrides the choice of engine build (read once).</summary>
        internal const string EngineBuildVariable = "BILLINGPOWERSHELL_ENGINE_BUILD";

        internal const string NetStandardBuild = "netstandard2.0";
        internal const string Net8Build = "net8.0";

        private static readonly object s_gate = new object();
        private static bool s_registered;

        // The three below are initialised in this order (static initialisers run in textual order).
        internal static bool IsNetFramework { get; } =
            RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);

        /// <summary>The engine build this process uses: "netstandard2.0" or "net8.0", chosen once.</summary>
        internal static string EngineBuild { get; } = ChooseEngineBuild(
            Environment.GetEnvironmentVariable(EngineBuildVariable), IsNetFramework, Environment.Version);

        /// <summary>The folder holding the chosen engine build and its third-party DLLs: dependencies/&lt;build&gt;.</summary>
        internal static string DependencyDirectory { get; } = Path.Combine(
            Path.GetDirectoryName(typeof(DependencyResolver).Assembly.Location) ?? string.Empty,
            "dependencies",
            EngineBuild);

        /// <summary>
        /// net8.0 on .NET 8 or newer, netstandard2.0 elsewhere (.NET Framework, .NET Core 3.1 to .NET 7). An override
        /// of netstandard2.0 is always honoured; net8.0 only where it can run; anything else is ignored.
        /// </summary>
        internal static string ChooseEngineBuild(string? requested, bool isNetFramework, Version runtimeVersion)
        {
            bool canRunNet8 = !isNetFramework && runtimeVersion.Major >= 8;
            string? wanted = requested?.Trim();
            if (string.Equals(wanted, NetStandardBuild, StringComparison.OrdinalIgnoreCase))
            {
                return NetStandardBuild;
            }

            return canRunNet8 ? Net8Build : NetStandardBuild;
        }

        internal static void Register()
        {
            lock (s_gate)
            {
                if (s_registered)
                {
                    return;
                }

                if (IsNetFramework)
                {
                    AppDomain.CurrentDomain.AssemblyResolve += OnAssemblyResolveNetFramework;
                }
                else
                {
                    // In its own class so that .NET Framework never has to load the AssemblyLoadContext types.
                    LoadContextResolver.Register();
                }

                s_registered = true;
            }
        }

        internal static void Unregister()
        {
            lock (s_gate)
            {
                if (!s_registered)
                {
                    return;
                }

                if (IsNetFramework)
                {
                    AppDomain.CurrentDomain.AssemblyResolve -= OnAssemblyResolveNetFramework;
                }
                else
                {
                    LoadContextResolver.Unregister();
                }

                s_registered = false;
            }
        }

        /// <summary>The path of <paramref name="name"/> in dependencies/&lt;build&gt;/, or null when it is not shipped there.</summary>
        internal static string? FindDependency(AssemblyName name)
        {
            if (string.IsNullOrEmpty(name.Name) || name.Name!.IndexOfAny(new[] { '/', '\\' }) >= 0)
            {
                return null;
            }

            string path = Path.Combine(DependencyDirectory, name.Name + ".dll");
            return File.Exists(path) ? path : null;
        }

        private static Assembly? OnAssemblyResolveNetFramework(object? sender, ResolveEventArgs args)
        {
            // Acts like a binding redirect: whatever version was asked for, the one we ship answers.
            string? path = FindDependency(new AssemblyName(args.Name));
            return path is null ? null : Assembly.LoadFrom(path);
        }
    }
}
