/* MynaDesk console: repairs for ARIA defects in Dash 4's own components (dcc.Dropdown, DatePickerSingle/Range,
   Slider as of Dash 4.4), which take no aria-* props of their own. axe-core reports each of these; the pages
   give every such component a <label for="component-id">, and this script makes that label its name.

   - Dropdown: a hidden proxy <input aria-hidden="true" tabindex="0"> takes the Tab and passes focus on to the
     real <button tabindex="-1">: a focusable element hidden from screen readers (aria-hidden-focus). The proxy
     is made inert and the button is the tab stop itself; its name (aria-labelledby: the shown value) is
     prefixed with the field's label.
   - Date pickers: the wrapper <div> carries aria-expanded / aria-haspopup / aria-labelledby="… undefined" with
     no role (aria-allowed-attr); they are dropped. The inputs' English aria-label ("Start Date") becomes the
     field's label with 開始日 / 終了日.
   - Slider: the thumb (role="slider") and the typed-in number have no name (aria-input-field-name, label).
   Runs on every DOM change, since Dash renders pages and callback results after load. */
(function () {
    "use strict";

    function labelFor(id) {
        if (!id) { return null; }
        const label = document.querySelector('label[for="' + CSS.escape(id) + '"]');
        if (label && !label.id) { label.id = id + "-label"; }
        return label;
    }

    function setIfChanged(element, name, value) {
        if (element.getAttribute(name) !== value) { element.setAttribute(name, value); }
    }

    function repairDropdown(button) {
        const proxy = button.previousElementSibling;
        if (proxy && proxy.classList.contains("dash-dropdown-focus-target")) {
            if (!proxy.inert) { proxy.inert = true; }
            if (proxy.tabIndex !== -1) { proxy.tabIndex = -1; }  // the button's blur handler sets it back to 0
        }
        if (!button.disabled && button.tabIndex !== 0) { button.tabIndex = 0; }
        const label = labelFor(button.id);
        const named = (button.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
        if (label && named[0] !== label.id) {
            setIfChanged(button, "aria-labelledby", [label.id].concat(named.filter(n => n !== label.id)).join(" "));
        }
    }

    function repairDatePicker(wrapper) {
        ["aria-expanded", "aria-haspopup", "aria-labelledby", "aria-disabled", "type"].forEach(name => {
            if (wrapper.hasAttribute(name)) { wrapper.removeAttribute(name); }
        });
        const first = wrapper.querySelector("input.dash-datepicker-input");
        const label = labelFor(wrapper.id.replace(/-wrapper$/, "")) || (first && labelFor(first.id));
        const field = label ? label.textContent.trim() : "";
        wrapper.querySelectorAll("input.dash-datepicker-input").forEach(input => {
            let name = field;
            if (input.classList.contains("dash-datepicker-start-date")) { name = (field + " 開始日").trim(); }
            if (input.classList.contains("dash-datepicker-end-date")) { name = (field + " 終了日").trim(); }
            if (name) { setIfChanged(input, "aria-label", name); }
        });
    }

    function repairSlider(container) {
        const label = labelFor(container.id);
        if (!label) { return; }
        container.querySelectorAll('[role="slider"], input').forEach(control => {
            setIfChanged(control, "aria-labelledby", label.id);
        });
    }

    function repair() {
        document.querySelectorAll("button.dash-dropdown[id]").forEach(repairDropdown);
        document.querySelectorAll(".dash-datepicker-input-wrapper[id]").forEach(repairDatePicker);
        document.querySelectorAll(".dash-slider-container[id]").forEach(repairSlider);
    }

    let queued = false;
    function schedule() {
        if (queued) { return; }
        queued = true;
        // before the next paint: no frame shows the broken markup, and one pass covers a burst of changes
        requestAnimationFrame(() => { queued = false; repair(); });
    }

    function start() {
        new MutationObserver(schedule).observe(document.body, {
            subtree: true,
            childList: true,
            attributes: true,
            attributeFilter: ["aria-expanded", "aria-labelledby", "aria-label", "tabindex"],
        });
        repair();
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
}());
