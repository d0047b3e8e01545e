# SPDX-License-Identifier: GPL-2.0-only
# bash completion for wgbastion(1)
# Self-contained: needs no helper from the bash-completion package.

# Configuration files: *.conf and directories under the current word, and
# the instances in /etc/wgbastion/.
_wgbastion_conf()
{
	local cur=$1 f
	local IFS=$'\n'
	compopt -o filenames 2>/dev/null
	COMPREPLY=($(compgen -d -- "$cur") $(compgen -f -X '!*.conf' -- "$cur"))
	for f in /etc/wgbastion/*.conf; do
		[[ -f $f && $f == "$cur"* ]] && COMPREPLY+=("$f")
	done
}

_wgbastion()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= i w
	local commands="apply show flush check confirm far-side"
	local globals="-c --config -v --verbose -q --quiet -h --help -V --version"

	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()

	# --config=FILE: bash splits it into "--config" "=" "FILE"
	if [[ $cur == = ]]; then
		if [[ $prev == --config ]]; then
			_wgbastion_conf ""
			return 0
		fi
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)) && [[ ${COMP_WORDS[COMP_CWORD - 2]} == --config ]]; then
		_wgbastion_conf "$cur"
		return 0
	fi

	# the command is the first word that is neither an option nor the
	# argument of -c/--config
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-c | --config)
			((i++))
			[[ ${COMP_WORDS[i]:-} == = ]] && ((i++))
			;;
		-*) ;;
		*)
			cmd=$w
			break
			;;
		esac
	done

	if [[ -z $cmd ]]; then
		case $prev in
		-c | --config)
			_wgbastion_conf "$cur"
			return 0
			;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$globals" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return 0
	fi

	case $cmd in
	apply)
		# --confirm takes a number of seconds: nothing to offer
		[[ $prev == --confirm ]] && return 0
		COMPREPLY=($(compgen -W "--dry-run --confirm" -- "$cur"))
		;;
	show)
		# --json and --prometheus exclude each other
		for ((i = 1; i < COMP_CWORD; i++)); do
			[[ ${COMP_WORDS[i]} == --json || ${COMP_WORDS[i]} == --prometheus ]] && return 0
		done
		COMPREPLY=($(compgen -W "--json --prometheus" -- "$cur"))
		;;
	far-side)
		case $prev in
		--format)
			COMPREPLY=($(compgen -W "wgbastion wg-quick" -- "$cur"))
			return 0
			;;
		--peer | --endpoint) return 0 ;;	# a number, a key, a host: nothing to offer
		esac
		COMPREPLY=($(compgen -W "--peer --endpoint --format" -- "$cur"))
		;;
	esac
	return 0
}

complete -F _wgbastion wgbastion
