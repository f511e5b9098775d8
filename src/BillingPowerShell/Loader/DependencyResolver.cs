// Where the module's dependencies come from.
//
// Layout of the built module:
//   BillingPowerShell.dll            the cmdlets (loaded by PowerShell into the default context)
//   dependencies/*.dll               BillingPowerShell.Engine.dll and every third-party DLL
//
// PowerShell 7 (.NET): BillingPowerShell.Engine is loaded into our own AssemblyLoadContext (DependencyLoadContext),
// and everything the engine references resolves inside that context first. Another module's Azure.Core or
// Azure.Identity in the default context (Az.Accounts, Microsoft.Graph, an Add-Type) therefore never meets ours, in
// either import order. Only the engine crosses the boundary: the default context's Resolving event hands out
// BillingPowerShell.Engine and nothing else, so we never push our Azure.Core onto other modules either
// (the pattern of PowerShell-Docs' resolving-dependency-conflicts.md and of AzAuth/PSResourceGet).
//
// Windows PowerShell 5.1 (.NET Framework): there is one load context, so the best available is an
// AppDomain.AssemblyResolve handler that loads from dependencies/ with Assembly.LoadFrom (never LoadFile, which would
// load duplicates without binding context). Designed for; not testable on this Linux build machine.
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

        private static readonly object s_gate = new object();
        private static bool s_registered;

        /// <summary>The folder holding the engine and the third-party DLLs.</summary>
        internal static string DependencyDirectory { get; } = Path.Combine(
            Path.GetDirectoryName(typeof(DependencyResolver).Assembly.Location) ?? string.Empty,
            "dependencies");

        internal static bool IsNetFramework { get; } =
            RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);

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

        /// <summary>The path of <paramref name="name"/> in dependencies/, or null when it is not shipped there.</summary>
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
