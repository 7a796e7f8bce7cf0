// The chat page: posts each message to /api/chat and shows the reply with the guard's decision, labels and reasoning.
// In shadow mode (guardreasoner.mode=shadow) every turn passes; a badge says what the guard would have done.
(function () {
    'use strict';

    const form = document.getElementById('chat-form');
    const input = document.getElementById('message');
    const send = document.getElementById('send');
    const turns = document.getElementById('turns');
    const template = document.getElementById('turn-template');

    const TASKS = [
        ['request', 'Request'],
        ['completion', 'Completion'],
        ['response', 'Response']
    ];

    const WOULD_HAVE = {allow: 'allowed', block: 'blocked', rewrite: 'rewritten', reprompt: 'reprompted'};

    form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const message = input.value.trim();
        if (!message) return;
        input.value = '';
        const turn = addTurn(message);
        setBusy(true);
        try {
            const response = await fetch('/api/chat', {
                method: 'POST',
                headers: {'Content-Type': 'application/json'},
                body: JSON.stringify({message})
            });
            const body = await response.json().catch(() => ({error: 'the server sent no JSON (HTTP ' + response.status + ')'}));
            if (!response.ok || body.error) {
                showError(turn, body.error || ('HTTP ' + response.status));
            } else {
                showReply(turn, body);
            }
        } catch (e) {
            showError(turn, 'the chatbot is unreachable: ' + e.message);
        } finally {
            setBusy(false);
            input.focus();
        }
    });

    function setBusy(busy) {
        send.disabled = busy;
        input.disabled = busy;
    }

    function addTurn(message) {
        const node = template.content.firstElementChild.cloneNode(true);
        node.querySelector('.user').textContent = message;
        node.classList.add('pending');
        turns.appendChild(node);
        node.scrollIntoView({block: 'end'});
        return node;
    }

    function showReply(turn, body) {
        turn.classList.remove('pending');
        turn.classList.toggle('blocked', body.blocked === true);
        turn.dataset.decision = body.decision;
        turn.dataset.blocked = String(body.blocked === true);
        turn.querySelector('.reply').textContent = body.reply;

        const decision = turn.querySelector('.decision');
        decision.textContent = body.blocked && body.decision !== 'block' ? body.decision + ' · blocked' : body.decision;
        decision.className = 'decision decision-' + body.decision + (body.blocked ? ' is-blocked' : '');

        const shadow = turn.querySelector('.shadow');
        if (body.shadowDecision) {
            shadow.hidden = false;
            shadow.dataset.decision = body.shadowDecision;
            shadow.className = 'shadow shadow-' + body.shadowDecision;
            shadow.textContent = 'shadow: would have ' + (WOULD_HAVE[body.shadowDecision] || body.shadowDecision);
            shadow.title = 'Shadow mode: the guard only watches. This turn passed unchanged.';
        } else {
            shadow.hidden = true;
        }

        const badges = turn.querySelector('.badges');
        badges.replaceChildren();
        const verdict = body.verdict;
        if (verdict) {
            for (const [task, title] of TASKS) {
                const label = verdict[task] || 'none';
                const badge = document.createElement('span');
                badge.className = 'badge label-' + label;
                badge.dataset.task = task;
                badge.dataset.label = label;
                badge.textContent = title + ': ' + label;
                badges.appendChild(badge);
            }
        } else {
            const badge = document.createElement('span');
            badge.className = 'badge label-unavailable';
            badge.dataset.task = 'guard';
            badge.dataset.label = 'unavailable';
            badge.textContent = 'guard unavailable';
            badges.appendChild(badge);
        }
        showReasoning(turn, body);
        turn.scrollIntoView({block: 'end'});
    }

    function showReasoning(turn, body) {
        const panel = turn.querySelector('.reasoning');
        const target = turn.querySelector('.reasoning-body');
        target.replaceChildren();
        for (const a of body.assessments || []) {
            const section = document.createElement('section');
            const heading = document.createElement('h3');
            heading.textContent = a.rail + ' rail: ' + a.decision + (a.enforced === false ? ' (not enforced: shadow mode)' : '')
                + ' (' + a.source + ', ' + a.latencyMs + ' ms)';
            section.appendChild(heading);
            if (a.failure) {
                const p = document.createElement('p');
                p.className = 'failure';
                p.textContent = a.failure;
                section.appendChild(p);
            }
            const reasoning = a.verdict && a.verdict.reasoning;
            if (reasoning) {
                for (const [task, title] of TASKS) {
                    if (!reasoning[task]) continue;
                    const h = document.createElement('h4');
                    h.textContent = title;
                    const pre = document.createElement('pre');
                    pre.textContent = reasoning[task];
                    section.append(h, pre);
                }
            }
            target.appendChild(section);
        }
        panel.hidden = target.childElementCount === 0;
    }

    function showError(turn, message) {
        turn.classList.remove('pending');
        turn.classList.add('error');
        turn.querySelector('.reply').textContent = 'Error: ' + message;
        turn.querySelector('.reasoning').hidden = true;
    }
})();
