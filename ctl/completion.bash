# SPDX-License-Identifier: GPL-2.0
# bash completion for nexusctl(8): objects, verbs, options, and the names
# of pools, replicas, snapshots and nexuses the module has now.
# Installed as /usr/share/bash-completion/completions/nexusctl.

# _nexusctl_names <pool|replica|snapshot|nexus> [pool]: the names a list
# shows (pool and nexus lists: first column; replica and snapshot lists:
# second, after the pool).
_nexusctl_names()
{
	local what=$1 pool=${2:-} col=1
	[[ $what == replica || $what == snapshot ]] && col=2
	nexusctl "$what" list $pool 2>/dev/null | awk -v c=$col 'NR > 1 { print $c }'
}

_nexusctl()
{
	local cur prev words cword
	_init_completion || return

	local i obj= verb= nargs=0
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-*) ;;
		*)
			if [[ -z $obj ]]; then
				obj=${words[i]}
			elif [[ -z $verb ]]; then
				verb=${words[i]}
			else
				nargs=$((nargs + 1))
			fi
			;;
		esac
	done

	if [[ -z $obj ]]; then
		COMPREPLY=($(compgen -W "-j --json -h --help -V --version version module monitor
			pool replica snapshot nexus child rebuild node stats" -- "$cur"))
		return
	fi
	if [[ -z $verb ]]; then
		local verbs=
		case $obj in
		module) verbs="show set" ;;
		monitor) verbs="count" ;;
		pool) verbs="create import export destroy list show check" ;;
		replica) verbs="create destroy resize list show share unshare" ;;
		snapshot) verbs="create destroy list show expose hide" ;;
		nexus) verbs="create assemble stop destroy set list show publish unpublish verify
			freeze thaw snapshot stats" ;;
		child) verbs="add remove fault online" ;;
		rebuild) verbs="pause resume stop" ;;
		node) verbs="up down" ;;
		esac
		COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
		return
	fi

	case $prev in
	--proto) COMPREPLY=($(compgen -W "tcp rdma" -- "$cur")); return ;;
	--read-policy) COMPREPLY=($(compgen -W "least-pending round-robin local-first" -- "$cur")); return ;;
	--size | --cluster-size | --max-replicas | --uuid | --addr | --port | --host | \
		--bitmap-chunk | --io-timeout | --timeout | --name | --prop | --from)
		return ;;
	esac

	local opts=
	case $obj.$verb in
	module.set) opts="io-timeout rebuild-rate-min rebuild-rate-max" ;;
	pool.create) opts="--cluster-size --max-replicas --uuid --force" ;;
	pool.import) opts="--name --scan" ;;
	pool.export) opts="--all" ;;
	pool.destroy) opts="--force" ;;
	replica.create) opts="--thin --uuid --prop --from" ;;
	replica.share | nexus.publish) opts="--proto --addr --port --host --any-host" ;;
	snapshot.create) opts="--uuid --prop" ;;
	nexus.create) opts="--size --uuid --bitmap-chunk --read-policy --io-timeout --force" ;;
	nexus.assemble) opts="--name --scan" ;;
	nexus.stop) opts="--all --forget" ;;
	nexus.set) opts="read-policy io-timeout rebuild-rate-min rebuild-rate-max" ;;
	nexus.verify) opts="--repair --wait --stop" ;;
	nexus.freeze | nexus.snapshot) opts="--timeout" ;;
	child.add | child.remove) opts="--force" ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi

	# Positional arguments: devices, then names the module knows.
	case $obj.$verb.$nargs in
	pool.create.1 | pool.import.0 | pool.check.0)
		COMPREPLY=($(compgen -f -- "${cur:-/dev/}")) ;;
	pool.export.0 | pool.destroy.0 | pool.show.0 | replica.list.0 | snapshot.list.0 | \
		replica.create.0 | replica.destroy.0 | replica.resize.0 | replica.show.0 | \
		replica.share.0 | replica.unshare.0 | snapshot.create.0 | snapshot.destroy.0 | \
		snapshot.show.0 | snapshot.expose.0 | snapshot.hide.0)
		COMPREPLY=($(compgen -W "$(_nexusctl_names pool)" -- "$cur")) ;;
	replica.destroy.1 | replica.resize.1 | replica.show.1 | replica.share.1 | \
		replica.unshare.1 | snapshot.create.1)
		COMPREPLY=($(compgen -W "$(_nexusctl_names replica "${words[cword - 1]}")" -- "$cur")) ;;
	snapshot.destroy.1 | snapshot.show.1 | snapshot.expose.1 | snapshot.hide.1)
		COMPREPLY=($(compgen -W "$(_nexusctl_names snapshot "${words[cword - 1]}")" -- "$cur")) ;;
	nexus.*.0 | child.*.0 | rebuild.*.0)
		[[ $verb == create || $verb == assemble ]] && return
		COMPREPLY=($(compgen -W "$(_nexusctl_names nexus)" -- "$cur")) ;;
	nexus.set.*)
		COMPREPLY=($(compgen -W "$opts" -- "$cur")) ;;
	esac
}
complete -F _nexusctl nexusctl
