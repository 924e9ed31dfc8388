// Accessibility and layout checks shared by the suites. The `in page` functions are passed to
// page.evaluate and run in the browser; the others assert in Node.
import assert from 'node:assert/strict';
import { colorContrast, contrastReport } from './harness.js';

/** Text whose contrast must reach WCAG AA (4.5:1): body text, headings, labels, buttons,
 * links, inputs, banners and error messages. */
export const TEXT_SELECTOR = [
    'body',
    'p',
    'h1',
    'label',
    'button',
    'a',
    'input:not([type=hidden])',
    '.sp-field-error',
    '.alert p',
    '.sp-banner p',
    'li',
].join(', ');

/** Asserts every visible text element on the page reaches `min` contrast. */
export async function assertContrast(page, min = 4.5) {
    const report = await page.evaluate(contrastReport, TEXT_SELECTOR);
    assert.ok(report.length > 0, 'no text found to measure');
    const failing = report.filter((r) => r.ratio < min);
    assert.deepEqual(failing, [], `contrast below ${min}:1 on ${page.url()}`);
    return report;
}

/** In page: the border color of each visible text input and the background around it. */
function inputBorders() {
    const out = [];
    for (const input of document.querySelectorAll('input:not([type=hidden])')) {
        if (input.getBoundingClientRect().width === 0) continue;
        let bg = 'rgb(255, 255, 255)';
        for (let node = input.parentElement; node; node = node.parentElement) {
            const c = getComputedStyle(node).backgroundColor;
            if (c && c !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(c)) {
                bg = c;
                break;
            }
        }
        out.push({ name: input.name, border: getComputedStyle(input).borderTopColor, background: bg });
    }
    return out;
}

/** Asserts each input's border reaches 3:1 against what is around it (WCAG 1.4.11). */
export async function assertInputBorders(page, min = 3) {
    for (const b of await page.evaluate(inputBorders)) {
        const ratio = await page.evaluate(colorContrast, [b.border, b.background]);
        assert.ok(ratio >= min, `${page.url()}: input ${b.name} border ${b.border} on ${b.background} is ${ratio}:1`);
    }
}

/** Asserts the page has no horizontal scroll at the current viewport. */
export async function assertNoHorizontalScroll(page) {
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
        scrollWidth: document.scrollingElement.scrollWidth,
        innerWidth: window.innerWidth,
    }));
    assert.ok(scrollWidth <= innerWidth, `${page.url()}: scrollWidth ${scrollWidth} > innerWidth ${innerWidth}`);
}

/** In page: every visible form control has exactly one non-empty, visible <label for>. */
function labelProblems() {
    const problems = [];
    const visible = (el) => {
        const s = getComputedStyle(el);
        const r = el.getBoundingClientRect();
        return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0;
    };
    for (const input of document.querySelectorAll('input, select, textarea')) {
        if (input.type === 'hidden' || !visible(input)) continue;
        const what = `${input.tagName.toLowerCase()}[name=${input.name}]`;
        if (!input.id) {
            problems.push(`${what} has no id`);
            continue;
        }
        const labels = document.querySelectorAll(`label[for="${CSS.escape(input.id)}"]`);
        if (labels.length !== 1) problems.push(`${what} has ${labels.length} <label for>`);
        else if (!labels[0].textContent.trim()) problems.push(`${what} label is empty`);
        else if (!visible(labels[0])) problems.push(`${what} label is not visible`);
        else if (![...input.labels].includes(labels[0])) problems.push(`${what} label not tied`);
    }
    for (const button of document.querySelectorAll('button')) {
        if (!button.textContent.trim() && !button.getAttribute('aria-label')) problems.push('button without a name');
    }
    return problems;
}

/** Asserts labels are tied to every visible input, and buttons have names. */
export async function assertLabels(page) {
    assert.deepEqual(await page.evaluate(labelProblems), [], `label problems on ${page.url()}`);
}

/** In page: the error containers and what they announce. */
function errorAnnouncements() {
    const out = [];
    for (const el of document.querySelectorAll('.alert, .sp-field-error')) {
        const alertAncestor = el.closest('[role=alert], [aria-live]');
        const describedBy = el.id ? document.querySelector(`[aria-describedby~="${CSS.escape(el.id)}"]`) : null;
        out.push({
            className: el.className,
            text: el.textContent.trim(),
            announced: Boolean(alertAncestor),
            describes: describedBy ? describedBy.name : null,
        });
    }
    return out;
}

/** Asserts every error container is announced (inside role=alert / aria-live) or, for a
 * field's own message, tied to its input by aria-describedby. Returns the containers. */
export async function assertErrorsAnnounced(page) {
    const errors = await page.evaluate(errorAnnouncements);
    for (const e of errors) {
        assert.ok(e.text, `empty error container ${e.className}`);
        if (e.className.includes('sp-field-error')) {
            assert.ok(e.describes, `field error "${e.text}" is not referenced by aria-describedby`);
        } else {
            assert.ok(e.announced, `error "${e.text}" (${e.className}) is not in role=alert/aria-live`);
        }
    }
    return errors;
}

/** In page: the focus indicator of the focused element. */
export function focusIndicator() {
    const el = document.activeElement;
    const s = getComputedStyle(el);
    let bg = 'rgb(255, 255, 255)';
    for (let node = el.parentElement; node; node = node.parentElement) {
        const c = getComputedStyle(node).backgroundColor;
        if (c && c !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(c)) {
            bg = c;
            break;
        }
    }
    return {
        tag: el.tagName.toLowerCase(),
        name: el.getAttribute('name'),
        type: el.getAttribute('type'),
        text: el.textContent.trim(),
        outlineStyle: s.outlineStyle,
        outlineWidth: parseFloat(s.outlineWidth) || 0,
        outlineColor: s.outlineColor,
        background: bg,
        focusVisible: el.matches(':focus-visible'),
    };
}

/** Asserts the focused element shows an outline >= 2px with >= 3:1 contrast to what is
 * around it (WCAG 2.4.7 / 1.4.11). */
export async function assertVisibleFocus(page) {
    const f = await page.evaluate(focusIndicator);
    assert.notEqual(f.outlineStyle, 'none', `no focus outline on ${f.tag}[name=${f.name}]`);
    assert.ok(f.outlineWidth >= 2, `focus outline ${f.outlineWidth}px on ${f.tag}`);
    const ratio = await page.evaluate(colorContrast, [f.outlineColor, f.background]);
    assert.ok(ratio >= 3, `focus outline ${f.outlineColor} on ${f.background}: ${ratio}:1 < 3:1`);
    return { ...f, ratio };
}

/**
 * Spec §11 structure rules on raw HTML: every <div> has a class; every <input> has name and
 * type; every <button> has type; every <form> says method="post" in lower case.
 */
export function structureProblems(html) {
    const problems = [];
    const body = html.slice(html.search(/<body/i));
    for (const [tag] of body.matchAll(/<div\b[^>]*>/gi)) {
        if (!/\sclass="[^"]*"/.test(tag)) problems.push(`div without class: ${tag}`);
    }
    for (const [tag] of body.matchAll(/<input\b[^>]*>/gi)) {
        if (!/\sname="[^"]+"/.test(tag) || !/\stype="[^"]+"/.test(tag)) problems.push(`input without name/type: ${tag}`);
    }
    for (const [tag] of body.matchAll(/<button\b[^>]*>/gi)) {
        if (!/\stype="[^"]+"/.test(tag)) problems.push(`button without type: ${tag}`);
    }
    for (const [tag] of body.matchAll(/<form\b[^>]*>/gi)) {
        if (!/\smethod="post"/.test(tag)) problems.push(`form without lower-case method="post": ${tag}`);
    }
    return problems;
}

/** Asserts every recorded request went to the app's own origin. */
export function assertSameOrigin(requests, origin) {
    assert.ok(requests.length > 0, 'no requests recorded');
    const foreign = requests.filter((url) => new URL(url).origin !== origin);
    assert.deepEqual(foreign, [], `requests outside ${origin}`);
}
