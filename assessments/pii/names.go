package pii

import (
	_ "embed"
	"strings"
)

// The name lists were written for piaf: common given names and surnames across English, German,
// French, Spanish, Italian and a few other languages. A name alone says little, so PERSON needs a
// given name followed by a surname, or a cue (a title, a salutation, "name is").
var (
	//go:embed names/given.txt
	givenText string
	//go:embed names/surnames.txt
	surnameText string

	givenNames   = wordSet(givenText)
	surnames     = wordSet(surnameText)
	titles       = wordSet("Mr Mrs Ms Miss Mx Dr Prof Herr Frau Mme Mlle Monsieur Madame Sir Dame")
	salutations  = wordSet("Dear Hi Hello")
	lowerCueEnds = []string{"name is ", "named ", "signed by ", "contact ", "ask for ", "call ", "patient ", "customer ", "employee "}
)

func wordSet(text string) map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, w := range strings.Fields(line) {
			m[w] = true
		}
	}
	return m
}

// capWord returns the end of the capitalised ASCII word at i ([A-Z][a-z]+), or i when there is none.
func capWord(b []byte, i int) int {
	if i >= len(b) || !isUpper(b[i]) {
		return i
	}
	j := i + 1
	for j < len(b) && isLower(b[j]) {
		j++
	}
	if j == i+1 || j < len(b) && (isWord(b[j]) || b[j] == '\'' || b[j] == '-' && j+1 < len(b) && isLetter(b[j+1])) {
		return i
	}
	return j
}

// person looks at the capitalised word at i. It returns where scanning goes on.
func (d *detector) person(i int) int {
	b := d.b
	e := capWord(b, i)
	if e == i {
		for i++; i < len(b) && isLetter(b[i]); i++ {
		}
		return i
	}
	w := b[i:e]
	next := e + 1
	if e < len(b) && b[e] == '.' && titles[string(w)] {
		next = e + 2
		if e+1 >= len(b) || b[e+1] != ' ' {
			return e
		}
	} else if e >= len(b) || b[e] != ' ' {
		next = -1
	}
	cue := titles[string(w)] || salutations[string(w)]
	if cue && next > 0 {
		// "Dr Weber", "Dear Anna", "Mrs Anna Keller": the names after the cue.
		e2 := capWord(b, next)
		if e2 == next {
			return e
		}
		w2 := b[next:e2]
		if !givenNames[string(w2)] && !surnames[string(w2)] {
			return e
		}
		end := e2
		if e2+1 < len(b) && b[e2] == ' ' {
			if e3 := capWord(b, e2+1); e3 > e2+1 && surnames[string(b[e2+1:e3])] {
				end = e3
			}
		}
		d.emit(next, end, Person)
		return end
	}
	if !givenNames[string(w)] {
		return e
	}
	if next > 0 {
		if e2 := capWord(b, next); e2 > next && surnames[string(b[next:e2])] {
			d.emit(i, e2, Person)
			return e2
		}
	}
	for _, c := range lowerCueEnds {
		if i >= len(c) && string(b[i-len(c):i]) == c {
			d.emit(i, e, Person)
			return e
		}
	}
	return e
}
